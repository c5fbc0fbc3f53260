"""Signals and the contract every signal strategy keeps.

A strategy is a pure step over its own persisted state: `(state, market, symbols) -> (state, signals)`.
A signal's score is a ratio in [-1, 1]: positive means "hold more", negative "hold less".
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Protocol, TypeVar

from bot.domain.market import MarketSnapshot

ONE = Decimal(1)
StateT = TypeVar("StateT")


@dataclass(frozen=True, slots=True, kw_only=True)
class Signal:
    """One strategy's (or the combined) opinion on one symbol; `reason` is stored with the decision."""

    symbol: str
    score: Decimal  # in [-1, 1]
    reason: str

    def __post_init__(self) -> None:
        if not -ONE <= self.score <= ONE:
            raise ValueError(f"score: {self.score} is outside [-1, 1] for {self.symbol}")


def clamp_score(value: Decimal) -> Decimal:
    return max(-ONE, min(ONE, value))


class StrategyState(Protocol):
    """A strategy's persisted state. The matching `from_json` lives with the registry entry."""

    def to_json(self) -> dict[str, object]: ...


@dataclass(frozen=True, slots=True, kw_only=True)
class StrategyStep:
    state: StrategyState
    signals: Mapping[str, Signal] = field(default_factory=dict)


class Strategy(Protocol):
    @property
    def name(self) -> str: ...

    def initial_state(self) -> StrategyState: ...

    def step(self, state: StrategyState, market: MarketSnapshot, symbols: Sequence[str]) -> StrategyStep:
        """The state after this cycle's market data and the signals for `symbols` that have an opinion."""
        ...


@dataclass(frozen=True, slots=True, kw_only=True)
class Sample:
    """A new, usable mid for one symbol this cycle."""

    mid: Decimal
    ts_ms: int
    continues: bool  # False: first sample, or the gap since the last one is too long to build on


def new_sample(
    market: MarketSnapshot, symbol: str, last_ts_ms: int | None, max_sample_gap_ms: int
) -> Sample | None:
    """The symbol's mid if the snapshot has sane data newer than `last_ts_ms`, else None.

    Re-reading the same exchange timestamp is not a new sample, so re-running a cycle on the
    same snapshot does not count it twice. A one-sided or crossed book is not a price.
    """
    data = market.symbols.get(symbol)
    if data is None or data.bid <= 0 or data.ask < data.bid:
        return None
    if last_ts_ms is not None and data.ts_ms <= last_ts_ms:
        return None
    continues = last_ts_ms is not None and data.ts_ms - last_ts_ms <= max_sample_gap_ms
    return Sample(mid=data.mid, ts_ms=data.ts_ms, continues=continues)


def expect_state(state: StrategyState, kind: type[StateT]) -> StateT:
    """Narrow a registry-held state to the strategy's own type (a mismatch is a wiring bug)."""
    if not isinstance(state, kind):
        raise TypeError(f"expected {kind.__name__}, got {type(state).__name__}")
    return state
