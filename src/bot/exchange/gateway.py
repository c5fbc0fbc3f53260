"""The ExchangeGateway port: everything the cycle needs from an exchange.

Implementations: the BTCTurk sync client (`bot.exchange.btcturk`), the paper adapter
(`bot.exchange.paper`, a simulated account over any MarketDataSource). All money is Decimal,
all timestamps epoch ms UTC. Errors are raised only from `bot.exchange.errors`.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Protocol, runtime_checkable

from bot.domain.account import Balance
from bot.domain.market import OrderBook, Ticker
from bot.domain.orders import ExchangeOrder, Fill, SubmitAck, SubmitOrder
from bot.domain.symbols import PairRules
from bot.exchange.errors import ExchangeError

MarketRead = tuple[Ticker, OrderBook] | ExchangeError
"""One symbol's ticker and book, or the error that kept either from being read."""


class MarketDataSource(Protocol):
    def pair_rules(self) -> Mapping[str, PairRules]:
        """Rules for every listed pair, keyed by symbol (e.g. 'BTCTRY')."""
        ...

    def ticker(self, symbol: str) -> Ticker: ...

    def order_book(self, symbol: str, limit: int = 20) -> OrderBook: ...


@runtime_checkable
class BatchMarketData(Protocol):
    """A market-data source that reads many symbols at once (concurrently, for the async client)."""

    def market_reads(self, symbols: Sequence[str], depth: int) -> Mapping[str, MarketRead]: ...


class ExchangeGateway(MarketDataSource, Protocol):
    def server_time_ms(self) -> int: ...

    def balances(self) -> Mapping[str, Balance]:
        """Balances keyed by asset; assets with a zero balance may be absent."""
        ...

    def open_orders(self, symbol: str | None = None) -> list[ExchangeOrder]: ...

    def all_orders(self, symbol: str, since_ms: int | None = None) -> list[ExchangeOrder]:
        """Orders of any status for `symbol` (newest last). Used to look orders up by client id."""
        ...

    def submit_order(self, order: SubmitOrder) -> SubmitAck:
        """Place a limit order. Never retried inside: a lost response raises UncertainOutcome."""
        ...

    def cancel_order(self, exchange_order_id: str) -> None:
        """Request a cancel. BTCTurk confirms asynchronously; read the result from order reports."""
        ...

    def user_trades(self, since_ms: int) -> list[Fill]:
        """Our fills with timestamp >= since_ms, oldest first."""
        ...

    def close(self) -> None: ...
