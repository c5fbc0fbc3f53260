"""Gather: read the market and the account into immutable snapshots."""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping, Sequence

from bot.domain.account import AccountSnapshot
from bot.domain.clock import Clock
from bot.domain.market import MarketSnapshot, SymbolMarket
from bot.exchange.errors import ExchangeError
from bot.exchange.gateway import BatchMarketData, ExchangeGateway, MarketDataSource, MarketRead

log = logging.getLogger(__name__)


def gather_market(
    source: MarketDataSource,
    symbols: Sequence[str],
    depth: int,
    clock: Clock,
    *,
    exchange_offset_ms: int = 0,
    on_error: Callable[[ExchangeError], None] = lambda error: None,
) -> MarketSnapshot:
    """A snapshot of every symbol that could be read; the others are listed in `errors`."""
    markets: dict[str, SymbolMarket] = {}
    errors: dict[str, str] = {}
    for symbol, read in _read(source, symbols, depth).items():
        if isinstance(read, ExchangeError):
            errors[symbol] = f"{type(read).__name__}: {read}"
            on_error(read)
            log.warning("market data unavailable", extra={"fields": {"symbol": symbol, "error": str(read)}})
            continue
        ticker, book = read
        bid = book.bids[0].price if book.bids else ticker.bid
        ask = book.asks[0].price if book.asks else ticker.ask
        markets[symbol] = SymbolMarket(
            symbol=symbol,
            bid=bid,
            ask=ask,
            last=ticker.last,
            ts_ms=min(ticker.ts_ms, book.ts_ms),
            book=book,
            volume=ticker.volume,
        )
    return MarketSnapshot(
        ts_ms=clock.now_ms(), symbols=markets, errors=errors, exchange_offset_ms=exchange_offset_ms
    )


def _read(source: MarketDataSource, symbols: Sequence[str], depth: int) -> Mapping[str, MarketRead]:
    """Every symbol's ticker and book: in one concurrent batch where the source can, else in turn."""
    if isinstance(source, BatchMarketData):
        return source.market_reads(symbols, depth)
    reads: dict[str, MarketRead] = {}
    for symbol in symbols:
        try:
            reads[symbol] = (source.ticker(symbol), source.order_book(symbol, depth))
        except ExchangeError as error:
            reads[symbol] = error
    return reads


def gather_account(gateway: ExchangeGateway, clock: Clock) -> AccountSnapshot:
    """Balances and open orders. Raises ExchangeError: without an account view, nothing is traded."""
    balances = gateway.balances()
    open_orders = tuple(gateway.open_orders())
    return AccountSnapshot(ts_ms=clock.now_ms(), balances=balances, open_orders=open_orders)
