import asyncio
import logging
import random
from collections.abc import Awaitable, Callable
from decimal import Decimal
from pathlib import Path
from typing import Any

import httpx
import pytest

from bot.domain.orders import Side, SubmitOrder
from bot.exchange.btcturk import (
    AsyncBtcturkClient,
    BtcturkClient,
    Credentials,
    RateLimiter,
    RateLimits,
    RetryPolicy,
    WindowRule,
    sign,
)
from bot.exchange.btcturk.engine import CallPolicy
from bot.exchange.errors import Throttled, Transient, UncertainOutcome
from bot.testing import FakeClock

FIXTURES = Path(__file__).parent / "fixtures"
API_KEY = "00000000-0000-0000-0000-000000000000"
SECRET = "c2ltdWxhdG9yLXRlc3Qtc2VjcmV0LTMyLWJ5dGVzISE="
ORDER = SubmitOrder(
    client_order_id="cid-1",
    symbol="BTCTRY",
    side=Side.BUY,
    price=Decimal("20000.00"),
    quantity=Decimal("0.001"),
)
ROUTES = {
    ("GET", "/api/v2/server/time"): "server_time.json",
    ("GET", "/api/v2/server/exchangeinfo"): "exchangeinfo.json",
    ("GET", "/api/v2/ticker"): "ticker.json",
    ("GET", "/api/v2/orderbook"): "orderbook.json",
    ("GET", "/api/v1/users/balances"): "balances.json",
    ("GET", "/api/v1/openOrders"): "open_orders.json",
    ("GET", "/api/v1/allOrders"): "all_orders.json",
    ("POST", "/api/v1/order"): "submit.json",
    ("DELETE", "/api/v1/order"): "cancel.json",
    ("GET", "/api/v1/users/transactions/trade"): "user_trades.json",
}


def by_route(request: httpx.Request) -> httpx.Response:
    name = ROUTES[(request.method, request.url.path)]
    return httpx.Response(200, content=(FIXTURES / name).read_bytes())


def clients(
    handler: Callable[[httpx.Request], Any], clock: FakeClock | None = None, **shared: Any
) -> tuple[BtcturkClient, AsyncBtcturkClient, list[httpx.Request], FakeClock]:
    seen: list[httpx.Request] = []
    clock = clock or FakeClock()

    def recording(request: httpx.Request) -> Any:
        seen.append(request)
        return handler(request)

    policy: dict[str, Any] = {
        "rng": random.Random(42),
        "retry": RetryPolicy(max_attempts=4, base_delay_s=0.5, max_delay_s=2.0, total_budget_s=30.0),
        **shared,
    }
    common: dict[str, Any] = {
        "base_url": "http://exchange.test",
        "credentials": Credentials(API_KEY, SECRET),
        "transport": httpx.MockTransport(recording),
        "now_ms": clock.now_ms,
        "policy": CallPolicy(**policy),
    }
    return (
        BtcturkClient(sleep=clock.sleep, **common),
        AsyncBtcturkClient(sleep=clock.async_sleep, **common),
        seen,
        clock,
    )


def run(awaitable: Awaitable[Any]) -> Any:
    async def main() -> Any:
        return await awaitable

    return asyncio.run(main())


CALLS: dict[str, Callable[[Any], Any]] = {
    "ticker": lambda c: c.ticker("BTCTRY"),
    "order_book": lambda c: c.order_book("BTCTRY", 5),
    "balances": lambda c: c.balances(),
    "open_orders": lambda c: c.open_orders("BTCTRY"),
    "all_orders": lambda c: c.all_orders("BTCTRY", 5),
    "submit": lambda c: c.submit_order(ORDER),
    "cancel": lambda c: c.cancel_order("16060237"),
    "trades": lambda c: c.user_trades(0),
    "pair_rules": lambda c: c.pair_rules(),
    "server_time": lambda c: c.server_time_ms(),
}


@pytest.mark.parametrize("name", list(CALLS))
def test_async_client_matches_the_sync_client(name: str) -> None:
    sync, async_, seen, _ = clients(by_route)
    expected = CALLS[name](sync)
    sent_by_sync = [(r.method, str(r.url), r.content) for r in seen]
    seen.clear()
    assert run(CALLS[name](async_)) == expected
    assert [(r.method, str(r.url), r.content) for r in seen] == sent_by_sync


def test_async_submit_timeout_is_uncertain_and_sent_exactly_once() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        raise httpx.ReadTimeout("timed out", request=request)

    _, client, seen, clock = clients(handler)
    with pytest.raises(UncertainOutcome):
        run(client.submit_order(ORDER))
    assert [r.method for r in seen] == ["POST"]
    assert clock.sleeps == []


def test_async_read_honours_retry_after_with_the_injected_sleep() -> None:
    answers = iter([429, 429, 200])

    def handler(request: httpx.Request) -> httpx.Response:
        if next(answers) == 429:
            content = (FIXTURES / "rate_limited.json").read_bytes()
            return httpx.Response(429, headers={"Retry-After": "3"}, content=content)
        return by_route(request)

    _, client, seen, clock = clients(handler)
    assert run(client.ticker("BTCTRY")).bid == Decimal(461928)
    assert len(seen) == 3
    assert len(clock.sleeps) == 2 and all(delay >= 3.0 for delay in clock.sleeps)


def ticker_for(symbol: str) -> dict[str, object]:
    return {"pair": symbol, "timestamp": 1, "last": "3", "bid": "2", "ask": "3", "volume": "1"}


def per_symbol(request: httpx.Request) -> httpx.Response:
    symbol = request.url.params["pairSymbol"]
    if request.url.path == "/api/v2/ticker":
        data: object = [ticker_for(symbol)]
    else:
        data = {"timestamp": 2, "bids": [["1", "1"]], "asks": [["4", "1"]]}
    return httpx.Response(200, json={"success": True, "message": None, "code": 0, "data": data})


def test_tickers_and_books_fetches_every_symbol_concurrently() -> None:
    symbols = ["BTCTRY", "ETHTRY", "USDTTRY"]
    in_flight = 0
    peak = 0

    async def handler(request: httpx.Request) -> httpx.Response:
        nonlocal in_flight, peak
        in_flight += 1
        peak = max(peak, in_flight)
        for _ in range(3):
            await asyncio.sleep(0)  # let the other requests start before answering
        in_flight -= 1
        return per_symbol(request)

    _, client, seen, clock = clients(handler)
    result = run(client.tickers_and_books(symbols, depth=5))
    assert list(result) == symbols
    assert all(result[s][0].symbol == s and result[s][1].symbol == s for s in symbols)
    assert result["ETHTRY"][1].asks[0].price == Decimal(4)
    assert len(seen) == 6 and peak == 6
    assert clock.sleeps == []


def test_tickers_and_books_raises_when_a_symbol_fails() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        if request.url.params["pairSymbol"] == "BAD":
            return httpx.Response(503, content=b"busy")
        return by_route(request)

    _, client, _, _ = clients(handler, retry=RetryPolicy(max_attempts=1))
    with pytest.raises(Transient, match="HTTP 503"):
        run(client.tickers_and_books(["BTCTRY", "BAD"], depth=5))


def test_market_reads_keep_one_failing_symbol_from_costing_the_others() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        if request.url.params["pairSymbol"] == "BAD" and request.url.path == "/api/v2/orderbook":
            return httpx.Response(503, content=b"busy")
        return per_symbol(request)

    _, client, _, _ = clients(handler, retry=RetryPolicy(max_attempts=1))
    reads = run(client.market_reads(["BTCTRY", "BAD", "ETHTRY"], depth=5))
    assert list(reads) == ["BTCTRY", "BAD", "ETHTRY"]
    assert isinstance(reads["BAD"], Transient) and "HTTP 503" in str(reads["BAD"])
    assert reads["ETHTRY"][0].symbol == "ETHTRY" and reads["BTCTRY"][1].symbol == "BTCTRY"


def test_tickers_and_books_waits_for_the_shared_limiter() -> None:
    limits = RateLimits(rules={"get /api/v2/ticker": (WindowRule(2, 60),)})
    limiter = RateLimiter(limits, monotonic=FakeClock.at_seconds(0).monotonic)
    _, client, seen, clock = clients(per_symbol, limiter=limiter, max_rate_wait_s=60)
    result = run(client.tickers_and_books(["A", "B", "C"], depth=1))
    assert len(result) == 3 and len(seen) == 6
    assert clock.sleeps == [60.0]  # the third ticker waits for the next window; books are free


def test_one_limiter_counts_the_sync_and_the_async_client() -> None:
    limits = RateLimits(rules={"get /api/v2/ticker": (WindowRule(2, 60),)})
    limiter = RateLimiter(limits, monotonic=FakeClock.at_seconds(0).monotonic)
    sync, async_, seen, clock = clients(by_route, limiter=limiter, max_rate_wait_s=60)
    sync.ticker("BTCTRY")
    run(async_.ticker("BTCTRY"))
    assert clock.sleeps == []
    run(async_.ticker("BTCTRY"))  # the third in the window, whichever client asks
    assert clock.sleeps == [60.0]
    assert limiter.acquired == 3 and len(seen) == 3
    assert sync.limiter is async_.limiter


def test_a_slot_further_away_than_the_client_waits_is_refused_unsent() -> None:
    limits = RateLimits(rules={"post /api/v1/order": (WindowRule(1, 60),)})
    limiter = RateLimiter(limits, monotonic=FakeClock.at_seconds(0).monotonic)
    sync, async_, seen, clock = clients(by_route, limiter=limiter, max_rate_wait_s=5)
    sync.submit_order(ORDER)
    with pytest.raises(Throttled) as info:
        run(async_.submit_order(ORDER))
    assert info.value.retry_after_s == 60.0
    with pytest.raises(Throttled):
        sync.submit_order(ORDER)
    assert len(seen) == 1 and clock.sleeps == []
    assert limiter.acquired == 1  # refusals reserve nothing
    assert not sync.degraded  # a local refusal says nothing about the exchange


def test_one_breaker_is_shared_and_both_clients_report_degraded() -> None:
    sync, async_, _, _ = clients(lambda r: httpx.Response(503), retry=RetryPolicy(max_attempts=1))
    shared_sync, shared_async, _, _ = clients(
        lambda r: httpx.Response(503), retry=RetryPolicy(max_attempts=1), breaker=sync.breaker
    )
    for _ in range(3):
        with pytest.raises(Transient):
            shared_sync.ticker("BTCTRY")
        with pytest.raises(Transient):
            run(shared_async.ticker("BTCTRY"))
    assert shared_sync.degraded and shared_async.degraded and sync.degraded
    assert not async_.degraded  # it has its own breaker by default


@pytest.mark.parametrize("use_async", [False, True])
def test_measured_clock_offset_is_applied_to_x_stamp(
    use_async: bool, caplog: pytest.LogCaptureFixture
) -> None:
    server_ms = 1613313462021
    clock = FakeClock(now_ms=server_ms + 4000)
    sync, async_, seen, _ = clients(by_route, clock)
    client: Any = async_ if use_async else sync
    with caplog.at_level(logging.WARNING):
        offset = run(client.sync_clock()) if use_async else client.sync_clock()
    assert offset == client.clock_offset_ms == -4000
    assert client.skew_exceeded
    assert any("clock" in record.getMessage() for record in caplog.records)
    _ = run(client.balances()) if use_async else client.balances()
    stamp = seen[-1].headers["X-Stamp"]
    assert stamp == str(server_ms)
    assert seen[-1].headers["X-Signature"] == sign(API_KEY, SECRET, server_ms)


def test_small_offsets_are_applied_without_a_skew_alarm() -> None:
    clock = FakeClock(now_ms=1613313462021 - 300)
    sync, _, _, _ = clients(by_route, clock, max_clock_skew_ms=1000)
    assert sync.sync_clock() == 300
    assert not sync.skew_exceeded
    assert sync.stamps.next() == clock.now_ms() + 300
