"""The simulator's WebSocket endpoint over a real loopback socket, read with the client codec."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from decimal import Decimal

import httpx
import pytest
from websockets.sync.client import ClientConnection, connect
from ws_harness import KEY, SECRET, RunningSim, ws_simulator

from bot.domain.market import BookLevel
from bot.domain.orders import Side
from bot.exchange.btcturk.auth import Credentials, sign
from bot.exchange.btcturk.ws import LocalBook, decode_frame, encode_login, encode_subscribe
from bot.exchange.btcturk.ws.events import (
    BookDiffReceived,
    BookSnapshotReceived,
    LoginResult,
    OrderDeleted,
    OrderInserted,
    OrderMatched,
    SubscriptionResult,
    TickerUpdated,
    TradeHappened,
    TradesListed,
    UserTradeReported,
    Welcome,
    WsEvent,
)
from bot.sim.ws import WsChaos
from bot.sim.ws.chaos import ChaosSchedule
from bot.testing import FakeClock

D = Decimal


@pytest.fixture
def running() -> Iterator[RunningSim]:
    with ws_simulator(clock=FakeClock()) as sim:
        yield sim


def recv_until(ws: ClientConnection, kind: type, *, timeout_s: float = 3.0) -> list[WsEvent]:
    """Every decoded event up to and including the first of `kind`."""
    seen: list[WsEvent] = []
    deadline = time.monotonic() + timeout_s
    for _ in range(10_000):  # bounded in count too: a server that floods frames fails the test
        remaining = deadline - time.monotonic()
        assert remaining > 0, f"no {kind.__name__} within {timeout_s}s; saw {seen}"
        event = decode_frame(ws.recv(timeout=remaining))
        if event is not None:
            seen.append(event)
            if isinstance(event, kind):
                return seen
    raise AssertionError(f"no {kind.__name__} in 10,000 frames; saw {seen[-5:]}")


def rest_book(running: RunningSim, limit: int = 25) -> tuple[tuple[BookLevel, ...], tuple[BookLevel, ...]]:
    body = httpx.get(f"{running.http_url}/api/v2/orderbook", params={"pairSymbol": "BTCTRY", "limit": limit})
    data = json.loads(body.text, parse_float=Decimal)["data"]

    def side(rows: list[list[str]]) -> tuple[BookLevel, ...]:
        return tuple(BookLevel(price=D(p), quantity=D(q)) for p, q in rows)

    return side(data["bids"]), side(data["asks"])


def test_welcome_subscribe_ack_and_ticker(running: RunningSim) -> None:
    with connect(running.ws_url) as ws:
        assert isinstance(decode_frame(ws.recv(timeout=3)), Welcome)
        ws.send(encode_subscribe("ticker", "btc_try"))
        events = recv_until(ws, TickerUpdated)
        assert events[0] == SubscriptionResult(ok=True, message="join|ticker:BTCTRY")
        ticker = events[-1]
        assert isinstance(ticker, TickerUpdated)
        assert (ticker.bid, ticker.ask, ticker.ts_ms) == (
            D(100_000),
            D(100_100),
            running.manual_clock.now_ms(),
        )
        ws.send(encode_subscribe("nochannel", "BTCTRY"))
        refused = recv_until(ws, SubscriptionResult)[-1]
        assert isinstance(refused, SubscriptionResult) and not refused.ok


def test_book_snapshot_equals_rest_and_diffs_keep_it_equal(running: RunningSim) -> None:
    with connect(running.ws_url + "ws") as ws:
        ws.send(encode_subscribe("orderbook", "BTCTRY"))
        snap = recv_until(ws, BookSnapshotReceived)[-1]
        assert isinstance(snap, BookSnapshotReceived)
        book = LocalBook("BTCTRY")
        book.apply_snapshot(snap)
        assert (book.order_book(0).bids, book.order_book(0).asks) == rest_book(running)
        for _ in range(3):
            running.manual_clock.advance(60_000)  # the next dataset row: every level moves
            diff = recv_until(ws, BookDiffReceived)[-1]
            assert isinstance(diff, BookDiffReceived) and book.apply_diff(diff)
            assert (book.order_book(0).bids, book.order_book(0).asks) == rest_book(running)


def test_trades_list_then_single_trades(running: RunningSim) -> None:
    running.manual_clock.advance(60_000)
    with connect(running.ws_url) as ws:
        ws.send(encode_subscribe("trade", "BTCTRY"))
        listed = recv_until(ws, TradesListed)[-1]
        assert isinstance(listed, TradesListed) and len(listed.trades) == 2
        running.manual_clock.advance(60_000)
        single = recv_until(ws, TradeHappened)[-1]
        assert isinstance(single, TradeHappened) and single.trade.ts_ms == running.manual_clock.now_ms()


def login(ws: ClientConnection, clock: FakeClock, secret: str = SECRET) -> LoginResult:
    ws.send(encode_login(Credentials(KEY, secret), timestamp_ms=clock.now_ms()))
    result = recv_until(ws, LoginResult)[-1]
    assert isinstance(result, LoginResult)
    return result


def test_login_success_and_failures(running: RunningSim) -> None:
    clock = running.clock
    assert clock is not None
    wrong_secret = "d3Jvbmctc2VjcmV0LXdyb25nLXNlY3JldC13cm9uZyE="
    with connect(running.ws_url) as ws:
        assert not login(ws, clock, wrong_secret).ok
        stale = {"type": 114, "publicKey": KEY, "timestamp": clock.now_ms() - 60_000, "nonce": 3000}
        ws.send(json.dumps([114, {**stale, "signature": sign(KEY, SECRET, 3000)}]))
        refused = recv_until(ws, LoginResult)[-1]
        assert refused == LoginResult(ok=False, message="Unauthorized - Invalid Nonce")
        assert login(ws, clock).ok


def test_submitted_order_gives_insert_then_match_and_delete(running: RunningSim) -> None:
    clock, sim = running.clock, running.sim
    assert clock is not None
    with connect(running.ws_url) as ws:
        assert login(ws, clock).ok
        sim.catch_up()
        resting = sim.submit(
            KEY, symbol="BTCTRY", side=Side.BUY, price=D(99_000), quantity=D("0.01"), client_order_id="r-1"
        )
        taker = sim.submit(
            KEY, symbol="BTCTRY", side=Side.BUY, price=D(100_100), quantity=D("0.02"), client_order_id="t-1"
        )
        events = recv_until(ws, OrderDeleted)
        kinds = [type(e) for e in events]
        assert kinds == [OrderInserted, OrderInserted, OrderMatched, UserTradeReported, OrderDeleted]
        inserted, match, trade, deleted = events[1], events[2], events[3], events[4]
        assert isinstance(inserted, OrderInserted) and inserted.order_id == str(taker.order_id)
        assert (
            isinstance(match, OrderMatched) and match.quantity == D("0.02") and match.remaining_quantity == 0
        )
        assert isinstance(trade, UserTradeReported) and trade.trade_id == match.trade_id
        assert trade.order_id == str(taker.order_id) and trade.side is Side.BUY and trade.fee > 0
        assert isinstance(deleted, OrderDeleted) and deleted.client_order_id == "t-1"
        sim.cancel(KEY, resting.order_id)
        canceled = recv_until(ws, OrderDeleted)[-1]
        assert isinstance(canceled, OrderDeleted) and canceled.order_id == str(resting.order_id)
        assert canceled.remaining_quantity == D("0.01")


def test_chaos_schedule_is_seeded() -> None:
    chaos = WsChaos(stall_probability=0.5, stall_s=0.5, seed=9, disconnect_every_s=3.0)

    def stalls(connection: int) -> list[bool]:
        schedule = ChaosSchedule(chaos, connection)
        return [schedule.stalled(t / 4) for t in range(40)]

    assert stalls(0) == stalls(0)
    assert stalls(0) != stalls(1)
    assert not any(stalls(0)[:4])  # the first check is one second in
    schedule = ChaosSchedule(chaos, 0)
    assert not schedule.should_disconnect(2.9) and schedule.should_disconnect(3.0)
    with pytest.raises(ValueError):
        WsChaos(stall_probability=2)
