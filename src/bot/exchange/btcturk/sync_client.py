"""BtcturkClient: the ExchangeGateway over a blocking httpx.Client.

All protocol knowledge lives in the sans-IO modules (`requests`, `responses`, `policy`,
`prepare`, `paging`); this class only moves bytes, sleeps between read retries and pages.
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable, Mapping
from functools import partial
from typing import TypeVar

import httpx

from bot.domain.account import Balance
from bot.domain.market import OrderBook, Ticker
from bot.domain.orders import ExchangeOrder, Fill, SubmitAck, SubmitOrder
from bot.domain.symbols import PairRules
from bot.exchange.btcturk import paging, requests, responses
from bot.exchange.btcturk.auth import Credentials, StampSource
from bot.exchange.btcturk.policy import RetryPolicy, interpret, retry_delay_s, transport_failure
from bot.exchange.btcturk.prepare import BaseUrls, prepare
from bot.exchange.btcturk.requests import PAGE_LIMIT, WireRequest
from bot.exchange.errors import Transient

T = TypeVar("T")
Parser = Callable[[int, Mapping[str, str], bytes, str], T]

TRADES_END_MARGIN_MS = 60_000  # read a little past "now" so a skewed clock cannot hide fresh fills


def _wall_clock_ms() -> int:
    return time.time_ns() // 1_000_000


class BtcturkClient:
    """The BTCTurk REST adapter. Public-only when `credentials` is None (private calls raise AuthError)."""

    def __init__(
        self,
        *,
        base_url: str = "https://api.btcturk.com",
        graph_base_url: str = "https://graph-api.btcturk.com",
        credentials: Credentials | None = None,
        timeout_s: float = 10.0,
        transport: httpx.BaseTransport | None = None,
        now_ms: Callable[[], int] = _wall_clock_ms,
        sleep: Callable[[float], None] = time.sleep,
        rng: random.Random | None = None,
        retry: RetryPolicy | None = None,
    ) -> None:
        self._urls = BaseUrls(api=base_url, graph=graph_base_url)
        self._credentials = credentials
        self._now_ms = now_ms
        self._sleep = sleep
        self._rng = rng or random.Random()
        self._retry = retry or RetryPolicy()
        self.stamps = StampSource(now_ms)
        self._http = httpx.Client(timeout=timeout_s, transport=transport)

    # -- transport ---------------------------------------------------------------------------

    def _once(self, request: WireRequest, parse: Parser[T]) -> T:
        prepared = prepare(request, urls=self._urls, credentials=self._credentials, stamps=self.stamps)
        try:
            response = self._http.request(
                prepared.method,
                prepared.url,
                params=prepared.params,
                content=prepared.content,
                headers=prepared.headers,
            )
        except httpx.RequestError as e:
            raise transport_failure(request, e) from e
        return interpret(
            request, lambda: parse(response.status_code, response.headers, response.content, request.endpoint)
        )

    def _call(self, request: WireRequest, parse: Parser[T]) -> T:
        """Send once; reads are retried on Transient within the retry policy, writes never."""
        if not request.idempotent:
            return self._once(request, parse)
        started_ms = self._now_ms()
        attempt = 1
        while True:
            try:
                return self._once(request, parse)
            except Transient as error:
                elapsed_s = (self._now_ms() - started_ms) / 1000
                delay_s = retry_delay_s(self._retry, attempt, elapsed_s, error, self._rng)
                if delay_s is None:
                    raise
                self._sleep(delay_s)
                attempt += 1

    # -- ExchangeGateway -----------------------------------------------------------------------

    def server_time_ms(self) -> int:
        return self._call(requests.server_time(), responses.parse_server_time)

    def sync_clock(self) -> int:
        """Measure server time and set the stamp offset (server minus local, ms); returns it."""
        sent_ms = self._now_ms()
        server_ms = self.server_time_ms()
        received_ms = self._now_ms()
        self.stamps.offset_ms = server_ms - (sent_ms + received_ms) // 2
        return self.stamps.offset_ms

    def pair_rules(self) -> Mapping[str, PairRules]:
        return self._call(requests.exchange_info(), responses.parse_exchange_info)

    def ticker(self, symbol: str) -> Ticker:
        return self._call(requests.ticker(symbol), partial(responses.parse_ticker, symbol=symbol))

    def order_book(self, symbol: str, limit: int = 20) -> OrderBook:
        parse = partial(responses.parse_order_book, symbol=symbol)
        return self._call(requests.order_book(symbol, limit), parse)

    def balances(self) -> Mapping[str, Balance]:
        return self._call(requests.balances(), responses.parse_balances)

    def open_orders(self, symbol: str | None = None) -> list[ExchangeOrder]:
        return self._call(requests.open_orders(symbol), responses.parse_open_orders)

    def all_orders(self, symbol: str, since_ms: int | None = None) -> list[ExchangeOrder]:
        seen: dict[str, ExchangeOrder] = {}
        page_number = 1
        while True:
            page = self._call(requests.all_orders(symbol, since_ms, page_number), responses.parse_orders)
            added = paging.merge_orders(seen, page)
            if not paging.more_order_pages(len(page), added, PAGE_LIMIT, page_number):
                return paging.newest_last(seen.values())
            page_number += 1

    def submit_order(self, order: SubmitOrder) -> SubmitAck:
        parse = partial(responses.parse_submit, fallback_ts_ms=self._now_ms())
        return self._call(requests.submit_order(order), parse)

    def cancel_order(self, exchange_order_id: str) -> None:
        self._call(requests.cancel_order(exchange_order_id), responses.parse_cancel)

    def user_trades(self, since_ms: int) -> list[Fill]:
        end_ms = self._now_ms() + self.stamps.offset_ms + TRADES_END_MARGIN_MS
        windows = [(since_ms, end_ms)]
        fills: dict[str, Fill] = {}
        requests_made = 0
        while windows and requests_made < paging.MAX_PAGES:
            start, end = windows.pop()
            page = self._call(requests.user_trades(start, end), responses.parse_user_trades)
            requests_made += 1
            fills.update((fill.trade_id, fill) for fill in page)
            windows += paging.remaining_windows(start, end, page, PAGE_LIMIT)
        return paging.oldest_first(f for f in fills.values() if f.ts_ms >= since_ms)

    def close(self) -> None:
        self._http.close()

    def __enter__(self) -> BtcturkClient:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()
