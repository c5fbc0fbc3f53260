"""Market data values and the immutable snapshot a cycle decides on."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal


@dataclass(frozen=True, slots=True, kw_only=True)
class BookLevel:
    price: Decimal
    quantity: Decimal


@dataclass(frozen=True, slots=True, kw_only=True)
class OrderBook:
    symbol: str
    bids: tuple[BookLevel, ...]  # best (highest) first
    asks: tuple[BookLevel, ...]  # best (lowest) first
    ts_ms: int


@dataclass(frozen=True, slots=True, kw_only=True)
class Ticker:
    symbol: str
    bid: Decimal
    ask: Decimal
    last: Decimal
    volume: Decimal  # 24h base volume
    ts_ms: int  # exchange timestamp


@dataclass(frozen=True, slots=True, kw_only=True)
class Candle:
    """One OHLCV bar as the exchange reports it: `ts_ms` is its open (epoch ms), `volume` the base
    asset traded in it."""

    symbol: str
    ts_ms: int
    open: Decimal
    high: Decimal
    low: Decimal
    close: Decimal
    volume: Decimal


@dataclass(frozen=True, slots=True, kw_only=True)
class SymbolMarket:
    """What one cycle knows about one symbol. `ts_ms` is the exchange's timestamp of the data."""

    symbol: str
    bid: Decimal
    ask: Decimal
    last: Decimal
    ts_ms: int
    book: OrderBook | None = None
    volume: Decimal = Decimal(0)  # 24h volume in the base asset, from the ticker

    @property
    def mid(self) -> Decimal:
        return (self.bid + self.ask) / 2

    @property
    def spread_bps(self) -> Decimal:
        mid = self.mid
        if mid <= 0:
            return Decimal("Infinity")
        return (self.ask - self.bid) / mid * Decimal(10_000)

    def age_ms(self, now_ms: int) -> int:
        return max(0, now_ms - self.ts_ms)


@dataclass(frozen=True, slots=True, kw_only=True)
class MarketSnapshot:
    ts_ms: int
    symbols: Mapping[str, SymbolMarket] = field(default_factory=dict)
    errors: Mapping[str, str] = field(default_factory=dict)  # symbol -> why it could not be read
    exchange_offset_ms: int = 0  # the exchange's clock minus ours when this was read (0: replay)

    def age_ms(self, symbol: str, now_ms: int) -> int:
        """Age of `symbol`'s data at local time `now_ms`, measured on the exchange's clock."""
        return self.symbols[symbol].age_ms(now_ms + self.exchange_offset_ms)
