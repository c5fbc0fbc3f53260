from __future__ import annotations

import json
from decimal import Decimal as D

import pytest

from bot.domain.market import MarketSnapshot, SymbolMarket
from bot.strategy.mean_reversion import (
    EmaAnchor,
    MeanReversion,
    MeanReversionParams,
    MeanReversionState,
    step_mean_reversion,
)
from bot.strategy.momentum import MomentumState

PARAMS = MeanReversionParams(period=4, warmup_samples=2, band_ratio=D("0.2"), max_sample_gap_ms=120_000)


def snapshot(ts_ms, mids):
    """mids: symbol -> mid as a string (bid == ask == mid keeps the arithmetic readable)."""
    return MarketSnapshot(
        ts_ms=ts_ms,
        symbols={
            symbol: SymbolMarket(symbol=symbol, bid=D(mid), ask=D(mid), last=D(mid), ts_ms=ts_ms)
            for symbol, mid in mids.items()
        },
    )


def feed(mids, symbol="BTCTRY", params=PARAMS, state=None, start=1_000, step_ms=60_000):
    state = state or MeanReversionState()
    signals = []
    for index, mid in enumerate(mids):
        state, out = step_mean_reversion(
            state, snapshot(start + index * step_ms, {symbol: mid}), [symbol], params
        )
        signals.append(out.get(symbol))
    return state, signals


def test_alpha_is_two_over_period_plus_one():
    assert PARAMS.alpha == D("0.4")


def test_ema_by_hand_over_three_samples():
    # alpha 0.4: 100 -> 100 + 0.4*(110-100) = 104 -> 104 + 0.4*(90-104) = 98.4
    state, signals = feed(["100", "110", "90"])
    anchor = state.anchors["BTCTRY"]
    assert anchor.ema == D("98.4")
    assert anchor.samples == 3
    assert anchor.last_ts_ms == 1_000 + 2 * 60_000
    # Warm-up is two samples in the anchor: the third sample is the first one scored, against
    # the anchor before it (104): (104 - 90) / 104 / 0.2
    assert signals[:2] == [None, None]
    assert signals[2].score == D(14) / D(104) / D("0.2")
    assert signals[2].score > 0  # below the anchor: buy
    assert "below" in signals[2].reason
    assert "EMA(4)" in signals[2].reason


def test_a_mid_above_the_anchor_scores_negative_and_is_clamped():
    _, signals = feed(["100", "100", "150"])
    assert signals[2].score == D(-1)
    assert "above" in signals[2].reason


def test_no_market_data_keeps_the_anchor_and_gives_no_signal():
    state, _ = feed(["100", "110"])
    new_state, signals = step_mean_reversion(state, snapshot(500_000, {}), ["BTCTRY"], PARAMS)
    assert new_state.anchors == state.anchors
    assert signals == {}


def test_the_same_exchange_timestamp_is_not_counted_twice():
    state, _ = feed(["100", "110"])
    again = snapshot(state.anchors["BTCTRY"].last_ts_ms, {"BTCTRY": "90"})
    new_state, signals = step_mean_reversion(state, again, ["BTCTRY"], PARAMS)
    assert new_state.anchors == state.anchors
    assert signals == {}


def test_a_one_sided_book_is_not_a_price():
    market = MarketSnapshot(
        ts_ms=1_000,
        symbols={"BTCTRY": SymbolMarket(symbol="BTCTRY", bid=D(0), ask=D("100"), last=D("100"), ts_ms=1_000)},
    )
    state, signals = step_mean_reversion(MeanReversionState(), market, ["BTCTRY"], PARAMS)
    assert state.anchors == {}
    assert signals == {}


def test_a_long_gap_restarts_the_anchor():
    state, _ = feed(["100", "110", "90"])
    later = state.anchors["BTCTRY"].last_ts_ms + PARAMS.max_sample_gap_ms + 1
    new_state, signals = step_mean_reversion(state, snapshot(later, {"BTCTRY": "80"}), ["BTCTRY"], PARAMS)
    assert new_state.anchors["BTCTRY"] == EmaAnchor(ema=D("80"), samples=1, last_ts_ms=later)
    assert signals == {}


def test_only_symbols_with_data_move_and_symbols_outside_the_list_are_dropped():
    state = MeanReversionState(
        anchors={
            "BTCTRY": EmaAnchor(ema=D("100"), samples=5, last_ts_ms=0),
            "ETHTRY": EmaAnchor(ema=D("50"), samples=5, last_ts_ms=0),
            "OLDTRY": EmaAnchor(ema=D("7"), samples=5, last_ts_ms=0),
        }
    )
    market = snapshot(60_000, {"BTCTRY": "90", "OLDTRY": "7"})
    new_state, signals = step_mean_reversion(state, market, ["BTCTRY", "ETHTRY"], PARAMS)
    assert set(new_state.anchors) == {"BTCTRY", "ETHTRY"}
    assert new_state.anchors["ETHTRY"] == state.anchors["ETHTRY"]
    assert new_state.anchors["BTCTRY"].ema == D("96")
    assert set(signals) == {"BTCTRY"}
    assert signals["BTCTRY"].score == D("0.5")


def test_state_round_trips_through_json():
    state, _ = feed(["100", "110", "90"])
    data = json.loads(json.dumps(state.to_json()))
    assert data == {"anchors": {"BTCTRY": {"ema": "98.4", "samples": 3, "last_ts_ms": 121_000}}}
    assert MeanReversionState.from_json(data) == state


def test_from_json_names_the_bad_field():
    with pytest.raises(ValueError, match=r"anchors\.BTCTRY\.ema"):
        MeanReversionState.from_json({"anchors": {"BTCTRY": {"ema": 1.5, "samples": 1, "last_ts_ms": 0}}})
    with pytest.raises(ValueError, match=r"anchors\.BTCTRY\.samples: missing"):
        MeanReversionState.from_json({"anchors": {"BTCTRY": {"ema": "1", "last_ts_ms": 0}}})


def test_params_are_validated_and_read_from_config():
    with pytest.raises(ValueError, match="band_ratio"):
        MeanReversionParams(period=4, warmup_samples=2, band_ratio=D(0), max_sample_gap_ms=1)
    read = MeanReversionParams.from_json(
        {"period": 4, "warmup_samples": 2, "band_ratio": "0.2", "max_sample_gap_ms": 120_000}
    )
    assert read == PARAMS


def test_the_strategy_object_steps_its_own_state_and_refuses_another():
    strategy = MeanReversion(params=PARAMS)
    assert strategy.name == "mean_reversion"
    step = strategy.step(strategy.initial_state(), snapshot(1_000, {"BTCTRY": "100"}), ["BTCTRY"])
    assert isinstance(step.state, MeanReversionState)
    with pytest.raises(TypeError):
        strategy.step(MomentumState(), snapshot(1_000, {}), [])
