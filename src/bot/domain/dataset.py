"""Replay dataset values: per-symbol top-of-book over time plus the pair rules.

The on-disk format and its validation live in `bot.replay`; these are the loaded values that
adapters (replay market data, the simulator) read.
"""

from __future__ import annotations

import bisect
from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal

from bot.domain.symbols import PairRules


@dataclass(frozen=True, slots=True, kw_only=True)
class MarketRow:
    """Top of book for one symbol at one step. Quantities are in the base asset."""

    ts_ms: int
    bid: Decimal
    ask: Decimal
    last: Decimal
    bid_qty: Decimal
    ask_qty: Decimal
    volume: Decimal  # base volume traded during the step


@dataclass(frozen=True, slots=True, kw_only=True)
class Dataset:
    name: str
    step_ms: int
    pairs: Mapping[str, PairRules]
    rows: Mapping[str, tuple[MarketRow, ...]]  # per symbol, strictly increasing ts_ms
    _index: dict[str, list[int]] = field(default_factory=dict, repr=False, compare=False)

    def __post_init__(self) -> None:
        for symbol, rows in self.rows.items():
            self._index[symbol] = [row.ts_ms for row in rows]

    @property
    def symbols(self) -> tuple[str, ...]:
        return tuple(sorted(self.rows))

    @property
    def start_ms(self) -> int:
        return min(rows[0].ts_ms for rows in self.rows.values() if rows)

    @property
    def end_ms(self) -> int:
        return max(rows[-1].ts_ms for rows in self.rows.values() if rows)

    def row_at(self, symbol: str, ts_ms: int) -> MarketRow | None:
        """The latest row of `symbol` with ts <= ts_ms, or None before the first row."""
        index = self._index.get(symbol)
        if not index:
            return None
        position = bisect.bisect_right(index, ts_ms) - 1
        return self.rows[symbol][position] if position >= 0 else None

    def rows_between(self, symbol: str, after_ms: int, until_ms: int) -> tuple[MarketRow, ...]:
        """Rows with after_ms < ts <= until_ms, in time order."""
        index = self._index.get(symbol)
        if not index:
            return ()
        lo = bisect.bisect_right(index, after_ms)
        hi = bisect.bisect_right(index, until_ms)
        return self.rows[symbol][lo:hi]
