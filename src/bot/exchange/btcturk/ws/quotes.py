"""What the feed publishes (immutable per-symbol quotes, counters) and the pure state behind it."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal

from bot.domain.quotes import SymbolQuote
from bot.exchange.btcturk.ws.book import LocalBook
from bot.exchange.btcturk.ws.events import (
    BookSnapshotReceived,
    MarketEvent,
    TickerUpdated,
    TradeHappened,
    TradesListed,
)


@dataclass(frozen=True, slots=True, kw_only=True)
class FeedStats:
    connects: int = 0  # successful WebSocket handshakes
    connect_failures: int = 0
    disconnects: int = 0  # sessions that ended after a successful connect
    resnapshots: int = 0  # order-book resubscriptions after a gap
    drops: int = 0  # market updates dropped by the bounded queue
    malformed: int = 0  # frames that could not be decoded
    login_failures: int = 0
    connected: bool = False
    logged_in: bool = False


@dataclass(slots=True)
class Counters:
    """FeedStats under construction (the feed holds its lock around every use)."""

    connects: int = 0
    connect_failures: int = 0
    disconnects: int = 0
    resnapshots: int = 0
    drops: int = 0
    login_failures: int = 0
    connected: bool = False
    logged_in: bool = False

    def update(self, changes: Mapping[str, int | bool]) -> None:
        """Booleans are set; integers are added."""
        for name, value in changes.items():
            current = getattr(self, name)
            setattr(self, name, value if isinstance(current, bool) else current + value)

    def freeze(self, *, malformed: int) -> FeedStats:
        return FeedStats(
            connects=self.connects,
            connect_failures=self.connect_failures,
            disconnects=self.disconnects,
            resnapshots=self.resnapshots,
            drops=self.drops,
            malformed=malformed,
            login_failures=self.login_failures,
            connected=self.connected,
            logged_in=self.logged_in,
        )


class MarketState:
    """Folds market events into quotes. Pure: time comes in as `received_ms`."""

    def __init__(self, symbols: tuple[str, ...]) -> None:
        self.books = {symbol: LocalBook(symbol) for symbol in symbols}
        self._ticker: dict[str, TickerUpdated] = {}
        self._last: dict[str, Decimal] = {}
        self._exchange_ts: dict[str, int] = {}

    def apply(self, event: MarketEvent, received_ms: int) -> SymbolQuote | None:
        """Fold `event` in; returns the symbol's new quote (None for an unfollowed symbol)."""
        symbol = event.trade.symbol if isinstance(event, TradeHappened) else event.symbol
        book = self.books.get(symbol)
        if book is None:
            return None
        fresh, ts_ms = self._fold(event, symbol, book)
        if fresh:
            stamp = received_ms if ts_ms is None else ts_ms
            self._exchange_ts[symbol] = max(self._exchange_ts.get(symbol, stamp), stamp)
        return self.quote(symbol, received_ms)

    def _fold(self, event: MarketEvent, symbol: str, book: LocalBook) -> tuple[bool, int | None]:
        """(whether the event is news that refreshes the symbol, its exchange timestamp)."""
        if isinstance(event, TickerUpdated):
            self._ticker[symbol] = event
            self._last[symbol] = event.last
            return True, event.ts_ms
        if isinstance(event, TradeHappened):
            self._last[symbol] = event.trade.price
            return True, event.trade.ts_ms
        if isinstance(event, TradesListed):
            # History, newest first: it may seed `last` but says nothing about freshness.
            if event.trades and symbol not in self._last:
                self._last[symbol] = event.trades[0].price
            return False, None
        if isinstance(event, BookSnapshotReceived):
            book.apply_snapshot(event)
            return True, event.ts_ms
        return book.apply_diff(event), event.ts_ms

    def quote(self, symbol: str, received_ms: int) -> SymbolQuote | None:
        if symbol not in self._exchange_ts:
            return None
        book = self.books[symbol]
        order_book = book.order_book(book.ts_ms or self._exchange_ts[symbol]) if book.ready else None
        ticker = self._ticker.get(symbol)
        bid = order_book.bids[0].price if order_book and order_book.bids else (ticker.bid if ticker else None)
        ask = order_book.asks[0].price if order_book and order_book.asks else (ticker.ask if ticker else None)
        return SymbolQuote(
            symbol=symbol,
            bid=bid,
            ask=ask,
            last=self._last.get(symbol),
            book=order_book,
            exchange_ts_ms=self._exchange_ts[symbol],
            received_ms=received_ms,
            volume=ticker.volume if ticker else None,
        )

    def reset_books(self) -> None:
        """On disconnect: no book is trusted until the next snapshot."""
        for book in self.books.values():
            book.invalidate()
