"""BtcturkClient: the ExchangeGateway over a blocking httpx.Client.

All protocol knowledge lives in the sans-IO modules: the operations (`operations`) run on the
shared `CallEngine` (limiter, breaker, signing, classification, retries). This class only moves
bytes and sleeps when a flow asks it to.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping
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
from bot.exchange.btcturk.paging import KLINES_PAGE_BARS, CandleRead
from bot.exchange.btcturk.prepare import BaseUrls, PreparedRequest
from bot.exchange.btcturk.rate_limit import RateLimiter

T = TypeVar("T")


class BtcturkClient:
    """The BTCTurk REST adapter. Public-only when `credentials` is None (private calls raise AuthError).

    Pass the same `limiter` and `breaker` to every client of a process (sync and async) so they
    share one budget and one view of the exchange's health; by default each client has its own.
    """

    def __init__(
        self,
        *,
        base_url: str = "https://api.btcturk.com",
        graph_base_url: str = "https://graph-api.btcturk.com",
        credentials: Credentials | None = None,
        timeout_s: float = 10.0,
        transport: httpx.BaseTransport | None = None,
        now_ms: Callable[[], int] = wall_clock_ms,
        sleep: Callable[[float], None] = time.sleep,
        policy: CallPolicy | None = None,
    ) -> None:
        self._engine = CallEngine(
            urls=BaseUrls(api=base_url, graph=graph_base_url),
            credentials=credentials,
            now_ms=now_ms,
            policy=policy,
        )
        self._sleep = sleep
        self._http = httpx.Client(timeout=timeout_s, transport=transport)

    # -- driver --------------------------------------------------------------------------------

    def _run(self, flow: Flow[T]) -> T:
        action = step(flow, None)
        while not isinstance(action, Done):
            outcome: Outcome = None
            if isinstance(action, Sleep):
                self._sleep(action.seconds)
            else:
                outcome = self._send(action.prepared)
            action = step(flow, outcome)
        return action.value

    def _send(self, prepared: PreparedRequest) -> Received | httpx.RequestError:
        try:
            response = self._http.request(
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

    # -- ExchangeGateway -----------------------------------------------------------------------

    def server_time_ms(self) -> int:
        return self._run(ops.server_time_ms(self._engine))

    def sync_clock(self) -> int:
        """Measure server time and set the stamp offset (server minus local, ms); returns it."""
        return self._run(ops.sync_clock(self._engine))

    def pair_rules(self) -> Mapping[str, PairRules]:
        return self._run(ops.pair_rules(self._engine))

    def ticker(self, symbol: str) -> Ticker:
        return self._run(ops.ticker(self._engine, symbol))

    def order_book(self, symbol: str, limit: int = 20) -> OrderBook:
        return self._run(ops.order_book(self._engine, symbol, limit))

    def candles(
        self, symbol: str, step_ms: int, window: tuple[int, int], page_bars: int = KLINES_PAGE_BARS
    ) -> CandleRead:
        """graph-api candles of `step_ms` opening in [start, end) epoch ms (`operations.candles`)."""
        return self._run(ops.candles(self._engine, symbol, step_ms, window, page_bars))

    def balances(self) -> Mapping[str, Balance]:
        return self._run(ops.balances(self._engine))

    def open_orders(self, symbol: str | None = None) -> list[ExchangeOrder]:
        return self._run(ops.open_orders(self._engine, symbol))

    def all_orders(self, symbol: str, since_ms: int | None = None) -> list[ExchangeOrder]:
        return self._run(ops.all_orders(self._engine, symbol, since_ms))

    def submit_order(self, order: SubmitOrder) -> SubmitAck:
        return self._run(ops.submit_order(self._engine, order))

    def cancel_order(self, exchange_order_id: str) -> None:
        self._run(ops.cancel_order(self._engine, exchange_order_id))

    def user_trades(self, since_ms: int) -> list[Fill]:
        return self._run(ops.user_trades(self._engine, since_ms))

    def close(self) -> None:
        self._http.close()

    def __enter__(self) -> BtcturkClient:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()
