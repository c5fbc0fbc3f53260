"""Market data replayed from a dataset at the time an injected clock says it is."""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal

from bot.domain.clock import Clock
from bot.domain.dataset import Dataset, MarketRow
from bot.domain.market import OrderBook, Ticker
from bot.domain.money import ZERO
from bot.domain.symbols import PairRules
from bot.exchange import errors
from bot.exchange.matching.book import synthetic_sides

DAY_MS = 86_400_000


class ReplayMarketData:
    """A MarketDataSource over `dataset`: every read returns the row current at `clock.now_ms()`.

    Timestamps are the row's own `ts_ms`, so a gap in the dataset shows up as stale data. Reads
    before a symbol's first row raise `errors.Transient`; an unlisted symbol raises `errors.Fatal`.
    """

    def __init__(self, dataset: Dataset, clock: Clock) -> None:
        self._dataset = dataset
        self._clock = clock

    def pair_rules(self) -> Mapping[str, PairRules]:
        return self._dataset.pairs

    def current_row(self, symbol: str) -> MarketRow:
        """The latest row at or before now. Raises Transient before the first row."""
        if symbol not in self._dataset.rows:
            raise errors.Fatal(f"unknown symbol {symbol!r} in dataset {self._dataset.name!r}")
        now_ms = self._clock.now_ms()
        row = self._dataset.row_at(symbol, now_ms)
        if row is None:
            raise errors.Transient(f"no market data yet for {symbol} at {now_ms}")
        return row

    def ticker(self, symbol: str) -> Ticker:
        """Top of book and last from the current row; `volume` is the sum of the step volumes of
        the rows in the 24 hours up to and including the current row."""
        row = self.current_row(symbol)
        window = self._dataset.rows_between(symbol, row.ts_ms - DAY_MS, row.ts_ms)
        volume = sum((r.volume for r in window), ZERO)
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
