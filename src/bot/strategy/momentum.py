"""Momentum: the return over the last `lookback` mids per symbol, scaled into a score.

A rising mid scores positive (hold more), a falling one negative. No signal until the window is full.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal

from bot.domain.json_fields import (
    decimal_field,
    decimal_list_field,
    decimals_to_json,
    int_field,
    object_map_field,
)
from bot.domain.market import MarketSnapshot
from bot.strategy.signals import Signal, StrategyState, StrategyStep, clamp_score, expect_state, new_sample

NAME = "momentum"
BPS = Decimal(10_000)


@dataclass(frozen=True, slots=True, kw_only=True)
class MomentumParams:
    lookback: int  # number of mids in the window (the return runs from the first to the last)
    scale_ratio: Decimal  # a return of this size (ratio) scores a full 1
    max_sample_gap_ms: int  # a longer gap between samples restarts the window

    def __post_init__(self) -> None:
        if self.lookback < 2:
            raise ValueError(f"lookback: must be at least 2 mids, got {self.lookback}")
        if self.scale_ratio <= 0:
            raise ValueError(f"scale_ratio: must be positive, got {self.scale_ratio}")
        if self.max_sample_gap_ms < 1:
            raise ValueError(f"max_sample_gap_ms: must be at least 1, got {self.max_sample_gap_ms}")

    @classmethod
    def from_json(cls, data: Mapping[str, object]) -> MomentumParams:
        return cls(
            lookback=int_field(data, "lookback"),
            scale_ratio=decimal_field(data, "scale_ratio"),
            max_sample_gap_ms=int_field(data, "max_sample_gap_ms"),
        )


@dataclass(frozen=True, slots=True, kw_only=True)
class MidWindow:
    mids: tuple[Decimal, ...]  # oldest first, at most `lookback` long
    last_ts_ms: int

    def __post_init__(self) -> None:
        if not self.mids or any(mid <= 0 for mid in self.mids):
            raise ValueError("mids: must be a non-empty list of positive prices")

    def to_json(self) -> dict[str, object]:
        return {"mids": decimals_to_json(self.mids), "last_ts_ms": self.last_ts_ms}

    @classmethod
    def from_json(cls, data: Mapping[str, object]) -> MidWindow:
        return cls(mids=decimal_list_field(data, "mids"), last_ts_ms=int_field(data, "last_ts_ms"))


@dataclass(frozen=True, slots=True, kw_only=True)
class MomentumState:
    windows: Mapping[str, MidWindow] = field(default_factory=dict)

    def to_json(self) -> dict[str, object]:
        return {"windows": {symbol: self.windows[symbol].to_json() for symbol in sorted(self.windows)}}

    @classmethod
    def from_json(cls, data: Mapping[str, object]) -> MomentumState:
        return cls(windows=object_map_field(data, "windows", MidWindow.from_json))


def step_momentum(
    state: MomentumState,
    market: MarketSnapshot,
    symbols: Sequence[str],
    params: MomentumParams,
) -> tuple[MomentumState, dict[str, Signal]]:
    """Append this cycle's mids and score the symbols whose window is full.

    Only symbols with a new sample this cycle get a signal; windows of symbols no longer in
    `symbols` are dropped.
    """
    windows: dict[str, MidWindow] = {}
    signals: dict[str, Signal] = {}
    for symbol in symbols:
        previous = state.windows.get(symbol)
        last_ts_ms = previous.last_ts_ms if previous is not None else None
        sample = new_sample(market, symbol, last_ts_ms, params.max_sample_gap_ms)
        if sample is None:
            if previous is not None:
                windows[symbol] = previous
            continue
        kept = previous.mids if previous is not None and sample.continues else ()
        window = MidWindow(mids=(*kept, sample.mid)[-params.lookback :], last_ts_ms=sample.ts_ms)
        windows[symbol] = window
        if len(window.mids) == params.lookback:
            signals[symbol] = _signal(symbol, window, params)
    return MomentumState(windows=windows), signals


def _signal(symbol: str, window: MidWindow, params: MomentumParams) -> Signal:
    first, last = window.mids[0], window.mids[-1]
    return_ratio = last / first - 1
    score = clamp_score(return_ratio / params.scale_ratio)
    return Signal(
        symbol=symbol,
        score=score,
        reason=(
            f"momentum: mid {last} moved {return_ratio * BPS:+.1f} bps over the last {params.lookback} "
            f"mids from {first} (scale {params.scale_ratio * BPS:.1f} bps) -> score {score:.3f}"
        ),
    )


@dataclass(frozen=True, slots=True, kw_only=True)
class Momentum:
    """The registry's view of the strategy: params bound, state passed in and out."""

    params: MomentumParams

    @property
    def name(self) -> str:
        return NAME

    def initial_state(self) -> MomentumState:
        return MomentumState()

    def step(self, state: StrategyState, market: MarketSnapshot, symbols: Sequence[str]) -> StrategyStep:
        own = expect_state(state, MomentumState)
        new_state, signals = step_momentum(own, market, symbols, self.params)
        return StrategyStep(state=new_state, signals=signals)
