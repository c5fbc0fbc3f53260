"""Gather: read the market and the account into immutable snapshots."""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence

from bot.domain.account import AccountSnapshot
from bot.domain.clock import Clock
from bot.domain.market import MarketSnapshot, SymbolMarket
from bot.exchange.errors import ExchangeError
from bot.exchange.gateway import ExchangeGateway, MarketDataSource

log = logging.getLogger(__name__)


def gather_market(
    source: MarketDataSource,
    symbols: Sequence[str],
    depth: int,
    clock: Clock,
    on_error: Callable[[ExchangeError], None] = lambda error: None,
) -> MarketSnapshot:
    """A snapshot of every symbol that could be read; the others are listed in `errors`."""
    markets: dict[str, SymbolMarket] = {}
    errors: dict[str, str] = {}
    for symbol in symbols:
        try:
            ticker = source.ticker(symbol)
            book = source.order_book(symbol, depth)
        except ExchangeError as error:
            errors[symbol] = f"{type(error).__name__}: {error}"
            on_error(error)
            log.warning("market data unavailable", extra={"fields": {"symbol": symbol, "error": str(error)}})
            continue
        bid = book.bids[0].price if book.bids else ticker.bid
        ask = book.asks[0].price if book.asks else ticker.ask
        markets[symbol] = SymbolMarket(
            symbol=symbol, bid=bid, ask=ask, last=ticker.last, ts_ms=min(ticker.ts_ms, book.ts_ms), book=book
        )
    return MarketSnapshot(ts_ms=clock.now_ms(), symbols=markets, errors=errors)


def gather_account(gateway: ExchangeGateway, clock: Clock) -> AccountSnapshot:
    """Balances and open orders. Raises ExchangeError: without an account view, nothing is traded."""
    balances = gateway.balances()
    open_orders = tuple(gateway.open_orders())
    return AccountSnapshot(ts_ms=clock.now_ms(), balances=balances, open_orders=open_orders)
