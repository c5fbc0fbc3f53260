"""The shipped profiles load, and `config show` lists every key."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.config import Settings, leaf_fields, load_settings, render_settings

CONFIGS = Path(__file__).resolve().parents[3] / "configs"
PROFILES = sorted(CONFIGS.glob("*.toml"))


def test_profiles_exist() -> None:
    assert {p.name for p in PROFILES} >= {"paper.toml", "sim.toml", "live.example.toml"}


@pytest.mark.parametrize("profile", PROFILES, ids=lambda p: p.name)
def test_every_profile_loads_without_keys(profile: Path) -> None:
    loaded = load_settings(profile, {})
    assert loaded.settings.exchange.api_key is None


def test_paper_profile_mirrors_defaults_key_by_key() -> None:
    loaded = load_settings(CONFIGS / "paper.toml", {})
    assert loaded.settings == Settings()
    from_file = {k for k, source in loaded.sources.items() if source.startswith("file:")}
    secrets = {"exchange.api_key", "exchange.api_secret", "exchange.api_key_file", "exchange.api_secret_file"}
    assert from_file == set(leaf_fields()) - secrets


def test_live_example_is_live_and_disarmed() -> None:
    s = load_settings(CONFIGS / "live.example.toml", {}).settings
    assert (s.mode, s.exchange.adapter, s.market_data.source) == ("live", "btcturk", "exchange")
    assert s.exchange.base_url == "https://api.btcturk.com"
    assert not s.safety.live_armed


def test_sim_profile_points_at_loopback_and_is_overridable() -> None:
    env = {"BOT_EXCHANGE__BASE_URL": "http://127.0.0.1:40123"}
    loaded = load_settings(CONFIGS / "sim.toml", env)
    assert loaded.settings.exchange.adapter == "btcturk"
    assert loaded.settings.exchange.base_url == "http://127.0.0.1:40123"


def test_render_lists_every_settings_field_with_its_source() -> None:
    loaded = load_settings(None, {"BOT_RISK__MAX_ORDERS_PER_CYCLE": "3"})
    lines = render_settings(loaded).splitlines()
    keys = [line.split(" = ", 1)[0] for line in lines if not line.startswith("#")]
    schema_keys: list[str] = []
    for group, info in Settings.model_fields.items():
        nested = getattr(info.annotation, "model_fields", None)
        schema_keys += [f"{group}.{name}" for name in nested] if nested else [group]
    assert keys == schema_keys == list(leaf_fields())
    assert any(
        line.startswith("risk.max_orders_per_cycle = 3")
        and line.endswith("# env:BOT_RISK__MAX_ORDERS_PER_CYCLE")
        for line in lines
    )
