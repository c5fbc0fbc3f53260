"""The async client behind the synchronous ExchangeGateway contract.

The cycle is synchronous; the async client is there so that one cycle can read many symbols'
tickers and books concurrently. `AsyncClientBridge` owns an event loop on a daemon thread and
runs each call there, blocking the caller until it completes: the cycle still does one thing
at a time, while `market_reads` fans out inside the loop. Every call is bounded by the client's
own HTTP timeout, retry budget and rate-limit wait, so the bridge adds no timeout of its own.
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Callable, Coroutine, Mapping, Sequence
from typing import Any, TypeVar

from bot.domain.account import Balance
from bot.domain.market import OrderBook, Ticker
from bot.domain.orders import ExchangeOrder, Fill, SubmitAck, SubmitOrder
from bot.domain.symbols import PairRules
from bot.exchange.btcturk.async_client import AsyncBtcturkClient
from bot.exchange.gateway import MarketRead

T = TypeVar("T")
STOP_TIMEOUT_S = 5.0


class EventLoopThread:
    """An asyncio event loop running on its own daemon thread."""

    def __init__(self, name: str = "bot-async-io") -> None:
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._loop.run_forever, name=name, daemon=True)
        self._thread.start()

    def call(self, coroutine: Coroutine[Any, Any, T]) -> T:
        """Run `coroutine` on the loop and wait for its result (or its exception)."""
        if threading.current_thread() is self._thread:
            coroutine.close()
            raise RuntimeError("EventLoopThread.call from its own loop would deadlock")
        return asyncio.run_coroutine_threadsafe(coroutine, self._loop).result()

    def stop(self) -> bool:
        """Stop the loop and join its thread; False if it did not stop in time."""
        if self._loop.is_closed():
            return True
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(STOP_TIMEOUT_S)
        if self._thread.is_alive():
            return False
        self._loop.close()
        return True


class AsyncClientBridge:
    """ExchangeGateway and BatchMarketData over an AsyncBtcturkClient.

    `make_client` is called on the loop's thread, so the client's HTTP connections belong to
    that loop. Share the process's RateLimiter and CircuitBreaker with it (they are thread-safe).
    """

    def __init__(self, make_client: Callable[[], AsyncBtcturkClient]) -> None:
        self._io = EventLoopThread()

        async def build() -> AsyncBtcturkClient:
            return make_client()

        try:
            self._client = self._io.call(build())
        except BaseException:
            self._io.stop()
            raise
        self._closed = False

    @property
    def client(self) -> AsyncBtcturkClient:
        return self._client

    @property
    def degraded(self) -> bool:
        return self._client.degraded

    @property
    def clock_offset_ms(self) -> int:
        return self._client.clock_offset_ms

    def sync_clock(self) -> int:
        return self._io.call(self._client.sync_clock())

    def server_time_ms(self) -> int:
        return self._io.call(self._client.server_time_ms())

    def pair_rules(self) -> Mapping[str, PairRules]:
        return self._io.call(self._client.pair_rules())

    def ticker(self, symbol: str) -> Ticker:
        return self._io.call(self._client.ticker(symbol))

    def order_book(self, symbol: str, limit: int = 20) -> OrderBook:
        return self._io.call(self._client.order_book(symbol, limit))

    def market_reads(self, symbols: Sequence[str], depth: int) -> Mapping[str, MarketRead]:
        return self._io.call(self._client.market_reads(symbols, depth))

    def balances(self) -> Mapping[str, Balance]:
        return self._io.call(self._client.balances())

    def open_orders(self, symbol: str | None = None) -> list[ExchangeOrder]:
        return self._io.call(self._client.open_orders(symbol))

    def all_orders(self, symbol: str, since_ms: int | None = None) -> list[ExchangeOrder]:
        return self._io.call(self._client.all_orders(symbol, since_ms))

    def submit_order(self, order: SubmitOrder) -> SubmitAck:
        return self._io.call(self._client.submit_order(order))

    def cancel_order(self, exchange_order_id: str) -> None:
        self._io.call(self._client.cancel_order(exchange_order_id))

    def user_trades(self, since_ms: int) -> list[Fill]:
        return self._io.call(self._client.user_trades(since_ms))

    def close(self) -> None:
        if self._closed:
            return
        self._closed = True
        try:
            self._io.call(self._client.close())
        finally:
            self._io.stop()
