"""Precedence, sources, env parsing and unknown keys."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest

from bot.config import ConfigError, Settings, load_settings


def write(tmp_path: Path, text: str, name: str = "profile.toml") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_no_profile_gives_defaults_all_sourced_default() -> None:
    loaded = load_settings(None, {})
    assert loaded.settings == Settings()
    assert set(loaded.sources.values()) == {"default"}


def test_env_overrides_file_and_cli_overrides_env(tmp_path: Path) -> None:
    path = write(tmp_path, '[risk]\nmax_orders_per_cycle = 2\nmax_notional_per_cycle_try = "6000"\n')
    env = {"BOT_RISK__MAX_ORDERS_PER_CYCLE": "3", "BOT_MODE": "paper", "HOME": "/x"}
    loaded = load_settings(path, env, {"loop.max_cycles": "7"})
    s = loaded.settings
    assert s.risk.max_orders_per_cycle == 3
    assert s.risk.max_notional_per_cycle_try == Decimal("6000")
    assert s.loop.max_cycles == 7
    assert loaded.sources["risk.max_orders_per_cycle"] == "env:BOT_RISK__MAX_ORDERS_PER_CYCLE"
    assert loaded.sources["risk.max_notional_per_cycle_try"] == f"file:{path}"
    assert loaded.sources["mode"] == "env:BOT_MODE"
    assert loaded.sources["loop.max_cycles"] == "cli"
    assert loaded.sources["risk.side_cooldown_ms"] == "default"

    overridden = load_settings(path, env, {"risk.max_orders_per_cycle": 1})
    assert overridden.settings.risk.max_orders_per_cycle == 1
    assert overridden.sources["risk.max_orders_per_cycle"] == "cli"


def test_bot_config_env_names_the_profile(tmp_path: Path) -> None:
    path = write(tmp_path, "[loop]\nmax_cycles = 5\n")
    loaded = load_settings(None, {"BOT_CONFIG": str(path)})
    assert loaded.settings.loop.max_cycles == 5
    assert loaded.config_path == path


def test_lists_and_tables_from_env() -> None:
    env = {
        "BOT_UNIVERSE__SYMBOLS": "BTCTRY, AVAXTRY",
        "BOT_PAPER__SEED_BALANCES": '{"TRY": "5000", "BTC": "0.25"}',
        "BOT_SAFETY__DRY_RUN": "true",
    }
    s = load_settings(None, env).settings
    assert s.universe.symbols == ("BTCTRY", "AVAXTRY")
    assert s.paper.seed_balances == {"TRY": Decimal("5000"), "BTC": Decimal("0.25")}
    assert s.safety.dry_run is True
    json_list = load_settings(None, {"BOT_UNIVERSE__SYMBOLS": '["ETHTRY"]'}).settings
    assert json_list.universe.symbols == ("ETHTRY",)
    pairs = load_settings(None, {"BOT_PAPER__SEED_BALANCES": "TRY=10000,USDT=2"}).settings
    assert pairs.paper.seed_balances == {"TRY": Decimal("10000"), "USDT": Decimal("2")}


def test_unknown_toml_key_named_with_suggestion(tmp_path: Path) -> None:
    path = write(tmp_path, "[risk]\nmax_order_per_cycle = 3\n")
    with pytest.raises(ConfigError) as e:
        load_settings(path, {})
    assert "'risk.max_order_per_cycle'" in str(e.value)
    assert "did you mean 'risk.max_orders_per_cycle'" in str(e.value)


def test_misplaced_key_suggests_its_group(tmp_path: Path) -> None:
    path = write(tmp_path, "[strategy]\nmax_open_orders_per_symbol = 3\n[riks]\n")
    with pytest.raises(ConfigError) as e:
        load_settings(path, {})
    assert "risk.max_open_orders_per_symbol" in str(e.value)
    assert "unknown key 'riks'" in str(e.value)
    assert len(e.value.problems) == 2


def test_unknown_env_var_named_with_suggestion() -> None:
    with pytest.raises(ConfigError) as e:
        load_settings(None, {"BOT_RISK__MAX_ORDER_PER_CYCLE": "3"})
    message = str(e.value)
    assert "BOT_RISK__MAX_ORDER_PER_CYCLE" in message
    assert "did you mean BOT_RISK__MAX_ORDERS_PER_CYCLE?" in message


def test_unknown_override_key() -> None:
    with pytest.raises(ConfigError, match=r"did you mean 'loop\.max_cycles'"):
        load_settings(None, {}, {"loop.max_cycle": 3})


def test_missing_file_and_syntax_error(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="config file not found"):
        load_settings(tmp_path / "nope.toml", {})
    bad = write(tmp_path, "[risk]\nmax_orders_per_cycle = = 3\n")
    with pytest.raises(ConfigError) as e:
        load_settings(bad, {})
    assert str(bad) in str(e.value)
    assert "line 2" in str(e.value)


def test_group_must_be_a_table(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match=r"risk in .* must be a table \(\[risk\]\)"):
        load_settings(write(tmp_path, "risk = 3\n"), {})
