from __future__ import annotations

import json
from decimal import Decimal as D

import pytest

from bot.domain.market import MarketSnapshot, SymbolMarket
from bot.strategy.momentum import MidWindow, Momentum, MomentumParams, MomentumState, step_momentum

PARAMS = MomentumParams(lookback=3, scale_ratio=D("0.1"), max_sample_gap_ms=120_000)


def snapshot(ts_ms, mids):
    return MarketSnapshot(
        ts_ms=ts_ms,
        symbols={
            symbol: SymbolMarket(symbol=symbol, bid=D(mid), ask=D(mid), last=D(mid), ts_ms=ts_ms)
            for symbol, mid in mids.items()
        },
    )


def feed(mids, state=None, params=PARAMS, start=1_000, step_ms=60_000):
    state = state or MomentumState()
    signals = []
    for index, mid in enumerate(mids):
        state, out = step_momentum(
            state, snapshot(start + index * step_ms, {"BTCTRY": mid}), ["BTCTRY"], params
        )
        signals.append(out.get("BTCTRY"))
    return state, signals


def test_no_signal_until_the_window_is_full_then_return_over_scale():
    state, signals = feed(["100", "102", "105"])
    assert signals[:2] == [None, None]
    assert signals[2].score == D("0.5")  # +5% over a 10% scale
    assert "+500.0 bps" in signals[2].reason
    assert state.windows["BTCTRY"].mids == (D("100"), D("102"), D("105"))


def test_the_window_is_bounded_and_slides():
    state, signals = feed(["100", "102", "105", "96.9"])
    assert state.windows["BTCTRY"].mids == (D("102"), D("105"), D("96.9"))
    assert signals[3].score == D("-0.5")  # 96.9 / 102 - 1 = -5%: the oldest mid (100) has left


def test_a_falling_mid_scores_negative_and_is_clamped():
    _, signals = feed(["100", "90", "70"])
    assert signals[2].score == D(-1)


def test_a_long_gap_restarts_the_window():
    state, _ = feed(["100", "102"])
    later = state.windows["BTCTRY"].last_ts_ms + PARAMS.max_sample_gap_ms + 1
    new_state, signals = step_momentum(state, snapshot(later, {"BTCTRY": "110"}), ["BTCTRY"], PARAMS)
    assert new_state.windows["BTCTRY"] == MidWindow(mids=(D("110"),), last_ts_ms=later)
    assert signals == {}


def test_missing_data_keeps_the_window_without_a_signal():
    state, _ = feed(["100", "102", "105"])
    new_state, signals = step_momentum(state, snapshot(999_999, {}), ["BTCTRY"], PARAMS)
    assert new_state == state
    assert signals == {}


def test_state_round_trips_through_json_with_canonical_decimals():
    state, _ = feed(["100.50", "102", "105"])
    data = json.loads(json.dumps(state.to_json()))
    assert data == {"windows": {"BTCTRY": {"mids": ["100.5", "102", "105"], "last_ts_ms": 121_000}}}
    assert MomentumState.from_json(data) == state


def test_from_json_names_the_bad_field():
    with pytest.raises(ValueError, match=r"windows\.BTCTRY\.mids\[1\]"):
        MomentumState.from_json({"windows": {"BTCTRY": {"mids": ["1", "x"], "last_ts_ms": 0}}})
    with pytest.raises(ValueError, match=r"windows\.BTCTRY\.mids"):
        MomentumState.from_json({"windows": {"BTCTRY": {"mids": [], "last_ts_ms": 0}}})


def test_the_strategy_object_has_its_registry_name():
    strategy = Momentum(params=PARAMS)
    assert strategy.name == "momentum"
    assert strategy.initial_state() == MomentumState()
