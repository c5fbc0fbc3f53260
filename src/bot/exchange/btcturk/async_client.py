"""AsyncBtcturkClient: the ExchangeGateway operations as coroutines over httpx.AsyncClient.

It runs the same sans-IO flows (`operations`) on the same `CallEngine` as the sync client; only
how bytes move (`await` on httpx.AsyncClient) and how it sleeps (an injected coroutine) differ.
Share one `RateLimiter` and `CircuitBreaker` with the sync client of the process.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Iterable, Mapping
from typing import TypeVar

import httpx

from bot.domain.account import Balance
from bot.domain.market import OrderBook, Ticker
from bot.domain.orders import ExchangeOrder, Fill, SubmitAck, SubmitOrder
from bot.domain.symbols import PairRules
from bot.exchange.btcturk import operations as ops
from bot.exchange.btcturk.auth import Credentials, StampSource
from bot.exchange.btcturk.breaker import CircuitBreaker
from bot.exchange.btcturk.engine import (
    CallEngine,
    CallPolicy,
    Done,
    Flow,
    Outcome,
    Received,
    Sleep,
    step,
    wall_clock_ms,
)
from bot.exchange.btcturk.prepare import BaseUrls, PreparedRequest
from bot.exchange.btcturk.rate_limit import RateLimiter
from bot.exchange.errors import ExchangeError
from bot.exchange.gateway import MarketRead

T = TypeVar("T")


class AsyncBtcturkClient:
    """Async twin of BtcturkClient (same constructor, plus an async `sleep`)."""

    def __init__(
        self,
        *,
        base_url: str = "https://api.btcturk.com",
        graph_base_url: str = "https://graph-api.btcturk.com",
        credentials: Credentials | None = None,
        timeout_s: float = 10.0,
        transport: httpx.AsyncBaseTransport | None = None,
        now_ms: Callable[[], int] = wall_clock_ms,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
        policy: CallPolicy | None = None,
    ) -> None:
        self._engine = CallEngine(
            urls=BaseUrls(api=base_url, graph=graph_base_url),
            credentials=credentials,
            now_ms=now_ms,
            policy=policy,
        )
        self._sleep = sleep
        self._http = httpx.AsyncClient(timeout=timeout_s, transport=transport)

    # -- driver --------------------------------------------------------------------------------

    async def _run(self, flow: Flow[T]) -> T:
        try:
            action = step(flow, None)
            while not isinstance(action, Done):
                outcome: Outcome = None
                if isinstance(action, Sleep):
                    await self._sleep(action.seconds)
                else:
                    outcome = await self._send(action.prepared)
                action = step(flow, outcome)
            return action.value
        finally:
            flow.close()  # a cancelled task leaves the flow suspended; release it

    async def _send(self, prepared: PreparedRequest) -> Received | httpx.RequestError:
        try:
            response = await self._http.request(
                prepared.method,
                prepared.url,
                params=prepared.params,
                content=prepared.content,
                headers=prepared.headers,
            )
        except httpx.RequestError as e:
            return e
        return Received(response.status_code, response.headers, response.content)

    # -- health and clock ------------------------------------------------------------------------

    @property
    def stamps(self) -> StampSource:
        return self._engine.stamps

    @property
    def limiter(self) -> RateLimiter:
        return self._engine.limiter

    @property
    def breaker(self) -> CircuitBreaker:
        return self._engine.breaker

    @property
    def degraded(self) -> bool:
        """True while the circuit breaker is open (repeated transient failures)."""
        return self._engine.breaker.degraded

    @property
    def clock_offset_ms(self) -> int:
        return self._engine.clock_offset_ms

    @property
    def skew_exceeded(self) -> bool:
        return self._engine.skew_exceeded

    # -- ExchangeGateway, async ------------------------------------------------------------------

    async def server_time_ms(self) -> int:
        return await self._run(ops.server_time_ms(self._engine))

    async def sync_clock(self) -> int:
        """Measure server time and set the stamp offset (server minus local, ms); returns it."""
        return await self._run(ops.sync_clock(self._engine))

    async def pair_rules(self) -> Mapping[str, PairRules]:
        return await self._run(ops.pair_rules(self._engine))

    async def ticker(self, symbol: str) -> Ticker:
        return await self._run(ops.ticker(self._engine, symbol))

    async def order_book(self, symbol: str, limit: int = 20) -> OrderBook:
        return await self._run(ops.order_book(self._engine, symbol, limit))

    async def balances(self) -> Mapping[str, Balance]:
        return await self._run(ops.balances(self._engine))

    async def open_orders(self, symbol: str | None = None) -> list[ExchangeOrder]:
        return await self._run(ops.open_orders(self._engine, symbol))

    async def all_orders(self, symbol: str, since_ms: int | None = None) -> list[ExchangeOrder]:
        return await self._run(ops.all_orders(self._engine, symbol, since_ms))

    async def submit_order(self, order: SubmitOrder) -> SubmitAck:
        return await self._run(ops.submit_order(self._engine, order))

    async def cancel_order(self, exchange_order_id: str) -> None:
        await self._run(ops.cancel_order(self._engine, exchange_order_id))

    async def user_trades(self, since_ms: int) -> list[Fill]:
        return await self._run(ops.user_trades(self._engine, since_ms))

    async def market_reads(self, symbols: Iterable[str], depth: int = 20) -> dict[str, MarketRead]:
        """Ticker and order book of every symbol, fetched concurrently within the rate limits.

        Every request runs to completion. A symbol whose ticker or book failed with an
        ExchangeError maps to that error (the ticker's first), so one bad symbol costs only itself;
        any other exception is a bug and is raised.
        """
        wanted = list(dict.fromkeys(symbols))
        tickers, books = await asyncio.gather(
            asyncio.gather(*(self.ticker(symbol) for symbol in wanted), return_exceptions=True),
            asyncio.gather(*(self.order_book(symbol, depth) for symbol in wanted), return_exceptions=True),
        )
        reads: dict[str, MarketRead] = {}
        for symbol, ticker, book in zip(wanted, tickers, books, strict=True):
            for outcome in (ticker, book):
                if isinstance(outcome, BaseException) and not isinstance(outcome, ExchangeError):
                    raise outcome
            if isinstance(ticker, ExchangeError):
                reads[symbol] = ticker
            elif isinstance(book, ExchangeError):
                reads[symbol] = book
            else:
                assert isinstance(ticker, Ticker) and isinstance(book, OrderBook)
                reads[symbol] = (ticker, book)
        return reads

    async def tickers_and_books(
        self, symbols: Iterable[str], depth: int = 20
    ) -> dict[str, tuple[Ticker, OrderBook]]:
        """Like `market_reads`, but all or nothing: the first failed symbol's error is raised."""
        reads = await self.market_reads(symbols, depth)
        result: dict[str, tuple[Ticker, OrderBook]] = {}
        for symbol, read in reads.items():
            if isinstance(read, ExchangeError):
                raise read
            result[symbol] = read
        return result

    async def close(self) -> None:
        await self._http.aclose()

    async def __aenter__(self) -> AsyncBtcturkClient:
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.close()
