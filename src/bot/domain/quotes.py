"""The latest market data of one symbol as a stream publishes it, read by the ingestion port.

It lives in `domain` because both sides use it: the WebSocket feed (`bot.exchange.btcturk.ws`)
produces it and the stream-first market source (`bot.exchange.ingestion`) consumes it.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from bot.domain.market import OrderBook, SymbolMarket


@dataclass(frozen=True, slots=True, kw_only=True)
class SymbolQuote:
    """The latest market data of one symbol. `exchange_ts_ms` is the exchange's timestamp of the
    newest data in it (receipt time for frames without one); measure staleness from it.
    `book` is None while no consistent book is held (before the first snapshot, after a gap)."""

    symbol: str
    bid: Decimal | None
    ask: Decimal | None
    last: Decimal | None
    book: OrderBook | None
    exchange_ts_ms: int
    received_ms: int
    volume: Decimal | None = None  # 24 h base volume, as the latest ticker stated it (None: none yet)

    def age_ms(self, now_ms: int) -> int:
        return max(0, now_ms - self.exchange_ts_ms)

    def to_market(self) -> SymbolMarket | None:
        """The cycle's view, or None while bid, ask or last is unknown."""
        if self.bid is None or self.ask is None or self.last is None:
            return None
        return SymbolMarket(
            symbol=self.symbol,
            bid=self.bid,
            ask=self.ask,
            last=self.last,
            ts_ms=self.exchange_ts_ms,
            book=self.book,
        )
