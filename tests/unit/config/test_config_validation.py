"""Types and cross-field rules: each error names the key(s) and the fix."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.config import LIVE_ACK_PHRASE, ConfigError, load_settings

LIVE = {"BOT_MODE": "live", "BOT_EXCHANGE__ADAPTER": "btcturk", "BOT_MARKET_DATA__SOURCE": "exchange"}


def problems_of(path: Path | None = None, env: dict[str, str] | None = None, **overrides: object) -> str:
    with pytest.raises(ConfigError) as e:
        load_settings(path, env or {}, {k.replace("__", "."): v for k, v in overrides.items()})
    return str(e.value)


def test_money_float_in_toml_refused_with_quote_hint(tmp_path: Path) -> None:
    path = tmp_path / "p.toml"
    path.write_text("[risk]\nmax_notional_per_order_try = 2000.0\n", encoding="utf-8")
    message = problems_of(path)
    assert "risk.max_notional_per_order_try" in message
    assert "float" in message
    assert 'quote the value as a string: max_notional_per_order_try = "2000.0"' in message


def test_float_inside_seed_balances_refused() -> None:
    message = problems_of(paper__seed_balances={"TRY": 100.5})
    assert "paper.seed_balances.TRY" in message
    assert 'TRY = "100.5"' in message


def test_wrong_type_names_key_expected_type_and_value() -> None:
    message = problems_of(env={"BOT_RISK__MAX_ORDERS_PER_CYCLE": "four"})
    assert "risk.max_orders_per_cycle: expected an integer" in message
    assert "'four'" in message
    assert "env:BOT_RISK__MAX_ORDERS_PER_CYCLE" in message


def test_bool_is_not_a_number(tmp_path: Path) -> None:
    path = tmp_path / "p.toml"
    path.write_text("[loop]\nmax_cycles = true\n", encoding="utf-8")
    assert "loop.max_cycles" in problems_of(path)


def test_literal_lists_choices() -> None:
    assert "expected one of 'paper', 'live'" in problems_of(mode="papr")


def test_order_limit_above_cycle_limit_names_both_keys() -> None:
    message = problems_of(risk__max_notional_per_order_try="6000")
    assert "risk.max_notional_per_order_try (6000)" in message
    assert "risk.max_notional_per_cycle_try (5000)" in message


def test_entry_notional_above_order_limit() -> None:
    message = problems_of(strategy__entry_notional_try="2500")
    assert "strategy.entry_notional_try" in message
    assert "risk.max_notional_per_order_try" in message


def test_negative_cash_reserve_and_ratio_bounds() -> None:
    message = problems_of(capital__cash_reserve_try="-1", loop__jitter_ratio=0.9)
    assert "capital.cash_reserve_try" in message
    assert "loop.jitter_ratio" in message


def test_symbols_upper_case_unique_non_empty() -> None:
    assert "upper-case" in problems_of(universe__symbols="btctry")
    assert "unique" in problems_of(universe__symbols="BTCTRY,BTCTRY")
    assert "at least one symbol" in problems_of(universe__symbols=[])


def test_live_requires_btcturk_adapter() -> None:
    message = problems_of(mode="live")
    assert 'mode = "live" requires exchange.adapter = "btcturk"' in message
    assert 'mode = "live" requires market_data.source = "exchange"' in message


def test_btcturk_adapter_requires_exchange_source() -> None:
    message = problems_of(exchange__adapter="btcturk", exchange__base_url="http://127.0.0.1:9")
    assert 'requires market_data.source = "exchange"' in message


def test_paper_mode_btcturk_adapter_must_stay_on_loopback() -> None:
    env = {"BOT_EXCHANGE__ADAPTER": "btcturk", "BOT_MARKET_DATA__SOURCE": "exchange"}
    assert "loopback" in problems_of(env=env)
    local = load_settings(None, {**env, "BOT_EXCHANGE__BASE_URL": "http://localhost:8081/"})
    assert local.settings.exchange.base_url == "http://localhost:8081"


def test_live_armed_with_wrong_ack_refused() -> None:
    env = {**LIVE, "BOT_SAFETY__LIVE_ARMED": "true", "BOT_SAFETY__LIVE_ACK": "yes"}
    env |= {"BOT_EXCHANGE__API_KEY": "k", "BOT_EXCHANGE__API_SECRET": "c2VjcmV0"}
    message = problems_of(env=env)
    assert "safety.live_ack" in message
    assert LIVE_ACK_PHRASE in message
    armed = load_settings(None, {**env, "BOT_SAFETY__LIVE_ACK": LIVE_ACK_PHRASE}).settings
    assert armed.safety.live_armed


def test_live_armed_needs_keys() -> None:
    env = {**LIVE, "BOT_SAFETY__LIVE_ARMED": "true", "BOT_SAFETY__LIVE_ACK": LIVE_ACK_PHRASE}
    assert "BOT_EXCHANGE__API_KEY" in problems_of(env=env)


def test_every_problem_is_listed() -> None:
    with pytest.raises(ConfigError) as error:
        load_settings(None, {"BOT_LOOP__MAX_CYCLES": "x", "BOT_NOPE": "1"}, {"mode": "x"})
    assert len(error.value.problems) == 3
