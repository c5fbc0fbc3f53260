"""Market data replayed from a dataset at the time an injected clock says it is.

The source walks each symbol's rows forward through time, as the replay clock moves, holding the
current row, one row of look-ahead and the (ts_ms, volume) of the last 24 hours of rows for the
ticker's volume; a dataset that streams its rows from disk (`RowStreams`, e.g.
`bot.replay.StreamingDataset`) is therefore replayed in memory that does not grow with its length.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable, Iterator, Mapping
from decimal import Decimal
from typing import Protocol, runtime_checkable

from bot.domain.clock import Clock
from bot.domain.dataset import Dataset, MarketRow
from bot.domain.market import OrderBook, Ticker
from bot.domain.money import ZERO
from bot.domain.symbols import PairRules
from bot.exchange import errors
from bot.exchange.matching.book import synthetic_sides
from bot.exchange.matching.rules import EXACT

DAY_MS = 86_400_000


@runtime_checkable
class RowStreams(Protocol):
    """A dataset that hands out a symbol's rows in time order, read lazily (e.g. from disk)."""

    def open_rows(self, symbol: str) -> Iterator[MarketRow]: ...


class ReplayMarketData:
    """A MarketDataSource over `dataset`: every read returns the row current at `clock.now_ms()`.

    Timestamps are the row's own `ts_ms`, so a gap in the dataset shows up as stale data. Reads
    before a symbol's first row raise `errors.Transient`; an unlisted symbol raises `errors.Fatal`.
    Reads a symbol's rows only up to the first row after now. Time is expected to move forward; a
    clock set back re-reads the symbol's rows from the start. A streamed dataset whose file turns
    bad under a running replay raises its own error (a `bot.replay.DatasetError`) from the read.
    """

    def __init__(self, dataset: Dataset, clock: Clock) -> None:
        self._dataset = dataset
        self._clock = clock
        self._symbols = frozenset(dataset.symbols)
        self._cursors: dict[str, _Cursor] = {}

    def pair_rules(self) -> Mapping[str, PairRules]:
        return self._dataset.pairs

    def current_row(self, symbol: str) -> MarketRow:
        """The latest row at or before now. Raises Transient before the first row."""
        now_ms = self._clock.now_ms()
        row = self._cursor(symbol).at(now_ms)
        if row is None:
            raise errors.Transient(f"no market data yet for {symbol} at {now_ms}")
        return row

    def ticker(self, symbol: str) -> Ticker:
        """Top of book and last from the current row; `volume` is the sum of the step volumes of
        the rows in the 24 hours up to and including the current row."""
        row = self.current_row(symbol)
        volume = self._cursors[symbol].day_volume()
        return Ticker(symbol=symbol, bid=row.bid, ask=row.ask, last=row.last, volume=volume, ts_ms=row.ts_ms)

    def order_book(self, symbol: str, limit: int = 20) -> OrderBook:
        """`limit` synthetic levels per side: level i is i ticks away from the top and holds
        (i + 1) times the row's top quantity."""
        row = self.current_row(symbol)
        rules = self._dataset.pairs.get(symbol)
        if rules is None:
            raise errors.Fatal(f"no pair rules for {symbol!r} in dataset {self._dataset.name!r}")
        bids, asks = synthetic_sides(row, rules, limit)
        return OrderBook(symbol=symbol, bids=bids, asks=asks, ts_ms=row.ts_ms)

    def _cursor(self, symbol: str) -> _Cursor:
        cursor = self._cursors.get(symbol)
        if cursor is None:
            if symbol not in self._symbols:
                raise errors.Fatal(f"unknown symbol {symbol!r} in dataset {self._dataset.name!r}")
            cursor = self._cursors[symbol] = _Cursor(lambda: _rows_of(self._dataset, symbol))
        return cursor


def _rows_of(dataset: Dataset, symbol: str) -> Iterator[MarketRow]:
    if isinstance(dataset, RowStreams):
        return dataset.open_rows(symbol)
    return iter(dataset.rows[symbol])


class _Cursor:
    """One symbol's rows, walked forward: the current row, the next one, and the last day's volumes."""

    def __init__(self, open_rows: Callable[[], Iterator[MarketRow]]) -> None:
        self._open_rows = open_rows
        self._rows: Iterator[MarketRow] | None = None
        self._current: MarketRow | None = None
        self._ahead: MarketRow | None = None
        self._day: deque[tuple[int, Decimal]] = deque()  # (ts_ms, volume), current row last
        self._day_total = ZERO  # the exact sum of the volumes in `_day`, kept as rows come and go

    def at(self, now_ms: int) -> MarketRow | None:
        """The latest row with ts_ms <= now_ms (None before the first), reading no further than
        the row after it."""
        rows = self._rows
        if rows is None or (self._current is not None and now_ms < self._current.ts_ms):
            rows = self._restart()
        while self._ahead is not None and self._ahead.ts_ms <= now_ms:
            self._take(self._ahead)
            self._ahead = next(rows, None)
        return self._current

    def day_volume(self) -> Decimal:
        """The sum of the step volumes of the rows with ts_ms in (current - 24h, current].

        Kept as a running total (a stage-7 cycle asked for it per symbol, and re-summing a day of
        one-minute rows was a quarter of the cycle); exact arithmetic makes it equal to a sum
        from scratch whatever the order rows come and go in.
        """
        return self._day_total

    def _restart(self) -> Iterator[MarketRow]:
        rows = self._rows = self._open_rows()
        self._current = None
        self._day.clear()
        self._day_total = ZERO
        self._ahead = next(rows, None)
        return rows

    def _take(self, row: MarketRow) -> None:
        self._current = row
        self._day.append((row.ts_ms, row.volume))
        total = EXACT.add(self._day_total, row.volume)
        horizon_ms = row.ts_ms - DAY_MS
        while self._day[0][0] <= horizon_ms:
            total = EXACT.subtract(total, self._day.popleft()[1])
        self._day_total = total


def row_from_book(book: OrderBook) -> MarketRow:
    """The top of `book` as a MarketRow (an empty side has price and quantity 0).

    `last` is the best bid and `volume` 0: the matching engine reads neither.
    """
    bid = book.bids[0] if book.bids else None
    ask = book.asks[0] if book.asks else None
    zero = Decimal(0)
    return MarketRow(
        ts_ms=book.ts_ms,
        bid=bid.price if bid else zero,
        ask=ask.price if ask else zero,
        last=bid.price if bid else zero,
        bid_qty=bid.quantity if bid else zero,
        ask_qty=ask.quantity if ask else zero,
        volume=zero,
    )
