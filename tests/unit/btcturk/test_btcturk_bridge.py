"""The async client behind the synchronous gateway contract, as the cycle uses it."""

import asyncio
import threading
from decimal import Decimal

import httpx
import pytest

from bot.cycle.gather import gather_market
from bot.exchange.btcturk import AsyncBtcturkClient, RetryPolicy
from bot.exchange.btcturk.bridge import AsyncClientBridge, EventLoopThread
from bot.exchange.btcturk.engine import CallPolicy
from bot.exchange.errors import Rejected
from bot.testing import FakeClock


def quote(request: httpx.Request) -> httpx.Response:
    symbol = request.url.params["pairSymbol"]
    if symbol == "NOPE":
        body = {"success": False, "message": "PAIR_NOT_FOUND", "code": 1131, "data": None}
        return httpx.Response(400, json=body)
    if request.url.path == "/api/v2/ticker":
        data: object = [{"pair": symbol, "timestamp": 7, "last": "3", "bid": "2", "ask": "4", "volume": "1"}]
    else:
        data = {"timestamp": 9, "bids": [["2.5", "1"]], "asks": [["3.5", "1"]]}
    return httpx.Response(200, json={"success": True, "message": None, "code": 0, "data": data})


async def no_sleep(seconds: float) -> None:
    return None


def bridge_over(handler) -> AsyncClientBridge:
    return AsyncClientBridge(
        lambda: AsyncBtcturkClient(
            base_url="http://exchange.test",
            transport=httpx.MockTransport(handler),
            sleep=no_sleep,
            policy=CallPolicy(retry=RetryPolicy(max_attempts=1)),
        )
    )


def test_the_cycle_reads_every_symbol_in_one_concurrent_batch() -> None:
    in_flight = 0
    peak = 0
    caller = threading.get_ident()
    threads: set[int] = set()

    async def handler(request: httpx.Request) -> httpx.Response:
        nonlocal in_flight, peak
        threads.add(threading.get_ident())
        in_flight += 1
        peak = max(peak, in_flight)
        for _ in range(3):
            await asyncio.sleep(0)
        in_flight -= 1
        return quote(request)

    bridge = bridge_over(handler)
    try:
        snapshot = gather_market(bridge, ["BTCTRY", "ETHTRY", "AVAXTRY"], 5, FakeClock(1_000))
    finally:
        bridge.close()
    assert list(snapshot.symbols) == ["BTCTRY", "ETHTRY", "AVAXTRY"]
    assert snapshot.symbols["ETHTRY"].bid == Decimal("2.5")  # the book's best level wins
    assert snapshot.symbols["ETHTRY"].ts_ms == 7  # the older of ticker and book
    assert peak == 6, "all six reads were in flight together"
    assert caller not in threads, "the I/O ran on the bridge's loop, not the cycle's thread"


def test_a_symbol_that_fails_is_listed_and_the_others_are_kept() -> None:
    errors: list[Exception] = []
    bridge = bridge_over(quote)
    try:
        snapshot = gather_market(bridge, ["BTCTRY", "NOPE"], 5, FakeClock(1_000), on_error=errors.append)
    finally:
        bridge.close()
    assert list(snapshot.symbols) == ["BTCTRY"]
    assert snapshot.errors["NOPE"].startswith("Rejected")
    assert [type(e) for e in errors] == [Rejected]


def test_single_calls_and_errors_cross_the_bridge_unchanged() -> None:
    bridge = bridge_over(quote)
    try:
        assert bridge.ticker("BTCTRY").ask == Decimal(4)
        assert bridge.order_book("BTCTRY", 1).asks[0].price == Decimal("3.5")
        with pytest.raises(Rejected, match="PAIR_NOT_FOUND"):
            bridge.ticker("NOPE")
    finally:
        bridge.close()
    bridge.close()  # closing twice is harmless


def test_the_loop_thread_refuses_a_call_from_itself_instead_of_deadlocking() -> None:
    io = EventLoopThread()

    async def reenter() -> None:
        async def inner() -> int:
            return 1

        io.call(inner())

    try:
        with pytest.raises(RuntimeError, match="deadlock"):
            io.call(reenter())
    finally:
        assert io.stop()
