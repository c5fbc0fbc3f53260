"""The one market-data ingestion policy, for every stage.

The stream (WebSocket) is primary. When a symbol's stream data is older than `fallback_age_ms`
(measured from the exchange's timestamps) or missing, that symbol is read over REST; it goes
back to the stream as soon as the stream is fresh again. Data older than the hard limit
(`market_data.max_age_ms`) is not this module's call: the safety gate refuses to trade on it.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from decimal import Decimal
from typing import Protocol

from bot.domain.market import OrderBook, Ticker
from bot.domain.quotes import SymbolQuote
from bot.domain.symbols import PairRules
from bot.exchange.gateway import MarketDataSource

VOLUME_REFRESH_MS = 60_000  # the stream carries no 24 h volume; REST supplies it at most once a minute


class QuoteStream(Protocol):
    def latest(self, symbol: str) -> SymbolQuote | None: ...


class IngestionObserver(Protocol):
    def fell_back(self, symbol: str) -> None: ...

    def recovered(self, symbol: str) -> None: ...


class StreamFirstMarketData:
    def __init__(
        self,
        *,
        stream: QuoteStream,
        rest: MarketDataSource,
        now_ms: Callable[[], int],
        fallback_age_ms: int,
        observer: IngestionObserver,
    ) -> None:
        self._stream = stream
        self._rest = rest
        self._now_ms = now_ms
        self._fallback_age_ms = fallback_age_ms
        self._observer = observer
        self._on_rest: set[str] = set()
        self._volume: dict[str, tuple[int, Ticker]] = {}

    def pair_rules(self) -> Mapping[str, PairRules]:
        return self._rest.pair_rules()

    def using_rest(self, symbol: str) -> bool:
        return symbol in self._on_rest

    def ticker(self, symbol: str) -> Ticker:
        quote = self._fresh(symbol)
        if quote is None or quote.bid is None or quote.ask is None or quote.last is None:
            self._fall_back(symbol)
            return self._rest_ticker(symbol)
        return Ticker(
            symbol=symbol,
            bid=quote.bid,
            ask=quote.ask,
            last=quote.last,
            volume=self._recent_volume(symbol),
            ts_ms=quote.exchange_ts_ms,
        )

    def order_book(self, symbol: str, limit: int = 20) -> OrderBook:
        quote = self._fresh(symbol)
        if quote is None or quote.book is None:
            self._fall_back(symbol)
            return self._rest.order_book(symbol, limit)
        book = quote.book
        return OrderBook(symbol=symbol, bids=book.bids[:limit], asks=book.asks[:limit], ts_ms=book.ts_ms)

    def _fresh(self, symbol: str) -> SymbolQuote | None:
        quote = self._stream.latest(symbol)
        if quote is None or quote.age_ms(self._now_ms()) > self._fallback_age_ms:
            return None
        if symbol in self._on_rest:
            self._on_rest.discard(symbol)
            self._observer.recovered(symbol)
        return quote

    def _fall_back(self, symbol: str) -> None:
        if symbol not in self._on_rest:
            self._on_rest.add(symbol)
            self._observer.fell_back(symbol)

    def _rest_ticker(self, symbol: str) -> Ticker:
        ticker = self._rest.ticker(symbol)
        self._volume[symbol] = (self._now_ms(), ticker)
        return ticker

    def _recent_volume(self, symbol: str) -> Decimal:
        cached = self._volume.get(symbol)
        if cached is None or self._now_ms() - cached[0] > VOLUME_REFRESH_MS:
            return self._rest_ticker(symbol).volume
        return cached[1].volume
