from __future__ import annotations

import json
from decimal import Decimal as D

import pytest

from bot.domain.market import MarketSnapshot, SymbolMarket
from bot.strategy.registry import REGISTRY, RegistryState, build_strategies, combine, run_strategies
from bot.strategy.signals import Signal

CONFIG = {
    "mean_reversion": {"period": 4, "warmup_samples": 1, "band_ratio": "0.1", "max_sample_gap_ms": 120_000},
    "momentum": {"lookback": 2, "scale_ratio": "0.1", "max_sample_gap_ms": 120_000},
}


def signal(symbol, score, reason="r"):
    return Signal(symbol=symbol, score=D(score), reason=reason)


def snapshot(ts_ms, mid):
    return MarketSnapshot(
        ts_ms=ts_ms,
        symbols={"BTCTRY": SymbolMarket(symbol="BTCTRY", bid=D(mid), ask=D(mid), last=D(mid), ts_ms=ts_ms)},
    )


def test_combine_is_a_weighted_average_with_joined_reasons():
    combined = combine(
        {
            "mean_reversion": {"BTCTRY": signal("BTCTRY", "1", "below anchor")},
            "momentum": {"BTCTRY": signal("BTCTRY", "-0.5", "falling")},
        },
        {"mean_reversion": D(3), "momentum": D(1)},
    )
    assert combined["BTCTRY"].score == D("0.625")  # (3*1 + 1*-0.5) / 4
    reason = combined["BTCTRY"].reason
    assert "[mean_reversion w=3] below anchor" in reason
    assert "[momentum w=1] falling" in reason


def test_a_strategy_without_a_signal_votes_neutral():
    combined = combine(
        {"mean_reversion": {"BTCTRY": signal("BTCTRY", "1")}, "momentum": {}},
        {"mean_reversion": D(1), "momentum": D(1)},
    )
    assert combined["BTCTRY"].score == D("0.5")
    assert "[momentum w=1] no signal" in combined["BTCTRY"].reason


def test_unweighted_strategies_are_ignored_and_bad_weights_refused():
    signals = {"momentum": {"BTCTRY": signal("BTCTRY", "1")}}
    assert combine(signals, {"mean_reversion": D(1)}) == {}
    assert combine(signals, {}) == {}
    with pytest.raises(ValueError, match=r"weights\.momentum"):
        combine(signals, {"momentum": D(-1)})


def test_registry_builds_strategies_by_name():
    strategies = build_strategies(CONFIG)
    assert [strategy.name for strategy in strategies] == ["mean_reversion", "momentum"]
    assert set(REGISTRY) == {"mean_reversion", "momentum"}
    with pytest.raises(ValueError, match="nope: unknown strategy"):
        build_strategies({"nope": {}})
    with pytest.raises(ValueError, match=r"momentum\.lookback"):
        build_strategies({"momentum": {"lookback": 1, "scale_ratio": "0.1", "max_sample_gap_ms": 1}})


def test_run_strategies_keeps_each_state_and_the_whole_round_trips_through_json():
    strategies = build_strategies(CONFIG)
    state = RegistryState()
    state, first = run_strategies(strategies, state, snapshot(1_000, "100"), ["BTCTRY"])
    assert first == {"mean_reversion": {}, "momentum": {}}
    restored = RegistryState.from_json(json.loads(json.dumps(state.to_json())))
    assert restored == state

    state, second = run_strategies(strategies, restored, snapshot(61_000, "95"), ["BTCTRY"])
    assert second["mean_reversion"]["BTCTRY"].score == D("0.5")  # 5% under a 10% band
    assert second["momentum"]["BTCTRY"].score == D("-0.5")
    combined = combine(second, {"mean_reversion": D(1), "momentum": D(1)})
    assert combined["BTCTRY"].score == D(0)


def test_state_of_a_strategy_no_longer_configured_is_dropped():
    state, _ = run_strategies(build_strategies(CONFIG), RegistryState(), snapshot(1_000, "100"), ["BTCTRY"])
    only_momentum = build_strategies({"momentum": CONFIG["momentum"]})
    state, _ = run_strategies(only_momentum, state, snapshot(61_000, "100"), ["BTCTRY"])
    assert set(state.states) == {"momentum"}


def test_registry_state_from_json_names_the_bad_field():
    with pytest.raises(ValueError, match=r"states\.nope: unknown strategy"):
        RegistryState.from_json({"states": {"nope": {}}})
    with pytest.raises(ValueError, match=r"states\.momentum\.windows: missing"):
        RegistryState.from_json({"states": {"momentum": {}}})
    with pytest.raises(ValueError, match="states: missing"):
        RegistryState.from_json({})
