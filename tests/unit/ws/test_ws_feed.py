"""MarketFeed against the simulator over real loopback WebSockets (with chaos), and its queue."""

from __future__ import annotations

import json
import random
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from decimal import Decimal

import httpx
from websockets.sync.server import ServerConnection, serve
from ws_harness import (
    KEY,
    SECRET,
    STEP_MS,
    RunningSim,
    config,
    market_rows,
    wait_until,
    ws_simulator,
)

from bot.domain.market import BookLevel
from bot.domain.orders import Side
from bot.exchange.btcturk.auth import Credentials
from bot.exchange.btcturk.ws import MarketFeed
from bot.exchange.btcturk.ws.events import (
    OrderDeleted,
    OrderInserted,
    OrderMatched,
    PrivateEvent,
    PrivateSessionStarted,
    TickerUpdated,
    UserTradeReported,
)
from bot.exchange.btcturk.ws.feed import FeedOptions
from bot.exchange.btcturk.ws.updates import MarketUpdates
from bot.sim import WallClock
from bot.sim.ws import WsChaos, WsOptions
from bot.testing import FakeClock

D = Decimal


@contextmanager
def running_feed(running: RunningSim, **kwargs: object) -> Iterator[MarketFeed]:
    clock = running.clock or WallClock()
    feed = MarketFeed(
        running.ws_url,
        ["BTCTRY"],
        clock=clock.now_ms,
        **kwargs,
        options=FeedOptions(backoff=(0.02, 0.1), rng=random.Random(5)),
    )
    feed.start()
    try:
        yield feed
    finally:
        assert feed.stop(5.0)


def rest_book(running: RunningSim) -> tuple[tuple[BookLevel, ...], tuple[BookLevel, ...]]:
    body = httpx.get(f"{running.http_url}/api/v2/orderbook", params={"pairSymbol": "BTCTRY", "limit": 25})
    data = json.loads(body.text, parse_float=Decimal)["data"]
    return tuple(BookLevel(price=D(p), quantity=D(q)) for p, q in data["bids"]), tuple(
        BookLevel(price=D(p), quantity=D(q)) for p, q in data["asks"]
    )


def book_matches_rest(feed: MarketFeed, running: RunningSim) -> bool:
    quote = feed.latest("BTCTRY")
    if quote is None or quote.book is None:
        return False
    return (quote.book.bids, quote.book.asks) == rest_book(running)


def test_feed_publishes_quotes_that_follow_the_market() -> None:
    with ws_simulator(clock=FakeClock()) as running, running_feed(running) as feed:
        assert running.clock is not None
        wait_until(lambda: book_matches_rest(feed, running), what="first book")
        quote = feed.latest("btctry")
        assert quote is not None and (quote.bid, quote.ask) == (D(100_000), D(100_100))
        assert (
            quote.exchange_ts_ms == running.clock.now_ms()
            and quote.age_ms(running.clock.now_ms() + 250) == 250
        )
        for _ in range(2):
            running.clock.advance(60_000)
            wait_until(lambda: book_matches_rest(feed, running), what="book after a market move")
        quote = feed.latest("BTCTRY")
        assert quote is not None and quote.exchange_ts_ms == running.clock.now_ms()
        market = quote.to_market()
        assert market is not None and market.last == D(100_074)
        stats = feed.stats()
        assert (stats.connects, stats.disconnects, stats.resnapshots, stats.malformed) == (1, 0, 0, 0)
        assert stats.connected and not stats.logged_in
    assert feed.latest("ETHTRY") is None


def test_feed_reconnects_after_server_disconnects_and_resnapshots_the_book() -> None:
    chaos = WsChaos(disconnect_every_s=0.3, seed=1)
    with ws_simulator(clock=FakeClock(), chaos=chaos) as running, running_feed(running) as feed:
        assert running.clock is not None
        wait_until(lambda: feed.stats().connects >= 3, timeout_s=10, what="three connects")
        assert feed.stats().disconnects >= 2
        running.clock.advance(60_000)
        wait_until(lambda: book_matches_rest(feed, running), timeout_s=5, what="book after reconnects")


def test_a_stalled_feed_shows_growing_staleness_on_exchange_time() -> None:
    chaos = WsChaos(stall_probability=1.0, stall_s=1.5, seed=2)
    options = WsOptions(refresh_s=0.1)
    # Frames carry the time their data became current, so the replay must keep moving: a new
    # row every 50 ms of wall time for longer than the test runs.
    moving = ws_simulator(
        clock=None,
        rows=market_rows(400),
        chaos=chaos,
        options=options,
        sim_config=config(speed=STEP_MS // 50),
    )
    with moving as running, running_feed(running) as feed:
        now = WallClock().now_ms

        def age() -> int:
            quote = feed.latest("BTCTRY")
            return 10**9 if quote is None else quote.age_ms(now())

        wait_until(lambda: age() < 300, what="a fresh quote")
        wait_until(lambda: age() > 1_000, timeout_s=4, what="staleness during the stall")
        assert feed.stats().connects == 1 and feed.stats().connected  # silent, not disconnected
        wait_until(lambda: age() < 300, timeout_s=4, what="fresh again after the stall")


def test_private_order_events_reach_the_executor_queue() -> None:
    clock = FakeClock()
    with (
        ws_simulator(clock=clock) as running,
        running_feed(running, credentials=Credentials(KEY, SECRET)) as feed,
    ):
        wait_until(lambda: feed.stats().logged_in, what="login")
        with running.sim.lock:
            running.sim.catch_up()
            running.sim.submit(
                KEY,
                symbol="BTCTRY",
                side=Side.SELL,
                price=D(100_000),
                quantity=D("0.01"),
                client_order_id="s-1",
            )
        events: list[PrivateEvent] = []

        def collected_delete() -> bool:
            events.extend(feed.order_events())
            return any(isinstance(e, OrderDeleted) for e in events)

        wait_until(collected_delete, what="the order's 452")
        kinds = [type(e) for e in events]
        assert kinds == [PrivateSessionStarted, OrderInserted, OrderMatched, UserTradeReported, OrderDeleted]
        trade = events[3]
        assert (
            isinstance(trade, UserTradeReported) and trade.side is Side.SELL and trade.quantity == D("0.01")
        )
        assert feed.order_events() == []


def test_login_failure_is_counted() -> None:
    wrong = Credentials(KEY, "d3Jvbmctc2VjcmV0LXdyb25nLXNlY3JldC13cm9uZyE=")
    with ws_simulator(clock=FakeClock()) as running, running_feed(running, credentials=wrong) as feed:
        wait_until(lambda: feed.stats().login_failures == 1, what="login failure")
        assert not feed.stats().logged_in and feed.order_events() == []


def test_feed_counts_failed_connects_and_stops_promptly() -> None:
    feed = MarketFeed(
        "ws://127.0.0.1:9/", ["BTCTRY"], clock=WallClock().now_ms, options=FeedOptions(backoff=(0.01, 0.05))
    )
    feed.start()
    wait_until(lambda: feed.stats().connect_failures >= 2, what="failed connects")
    assert feed.stop(2.0), "the feed's thread ended within the stop's own timeout"


def ticker(i: int) -> TickerUpdated:
    return TickerUpdated(
        symbol="BTCTRY",
        bid=D(i),
        ask=D(i + 1),
        last=D(i),
        bid_quantity=None,
        ask_quantity=None,
        volume=None,
        ts_ms=i,
    )


def test_market_updates_drop_the_oldest_when_full() -> None:
    updates = MarketUpdates(3)
    dropped = [updates.push(ticker(i)) for i in range(5)]
    assert dropped == [False, False, False, True, True] and updates.dropped == 2
    assert [e.ts_ms for e in updates.pop_all() if isinstance(e, TickerUpdated)] == [2, 3, 4]
    assert len(updates) == 0


def test_a_changeset_gap_makes_the_feed_resubscribe_the_book() -> None:
    """A scripted server: snapshot CS 1, a diff with CS 3 (gap), then a new snapshot on re-join."""
    received: list[object] = []

    def book(cs: int, bid: str) -> str:
        body = {
            "type": 431,
            "CS": cs,
            "PS": "BTCTRY",
            "BO": [{"A": "1", "P": bid}],
            "AO": [{"A": "1", "P": "200"}],
        }
        return json.dumps([431, {**body, "timestamp": 1_000 + cs}])

    def handler(ws: ServerConnection) -> None:
        joins = 0
        for raw in ws:
            message = json.loads(raw)
            received.append(message[1])
            if message[1].get("channel") == "orderbook" and message[1].get("join"):
                joins += 1
                if joins == 1:
                    ws.send(book(1, "100"))
                    ws.send(json.dumps([432, {"type": 432, "CS": 3, "PS": "BTCTRY", "BO": [], "AO": []}]))
                else:
                    ws.send(book(10, "150"))

    with serve(handler, "127.0.0.1", 0) as server:
        threading.Thread(target=server.serve_forever, daemon=True).start()
        port = server.socket.getsockname()[1]
        feed = MarketFeed(
            f"ws://127.0.0.1:{port}/",
            ["BTCTRY"],
            clock=FakeClock(5_000).now_ms,
            options=FeedOptions(trades=False),
        )
        feed.start()
        try:
            wait_until(
                lambda: (q := feed.latest("BTCTRY")) is not None and q.bid == D(150), what="resnapshot"
            )
            quote = feed.latest("BTCTRY")
            assert quote is not None and quote.book is not None and quote.exchange_ts_ms == 1_010
            assert feed.stats().resnapshots == 1 and feed.stats().connects == 1
            leaves = [m for m in received if isinstance(m, dict) and m.get("join") is False]
            assert leaves == [{"type": 151, "channel": "orderbook", "event": "BTCTRY", "join": False}]
        finally:
            assert feed.stop(5.0)
            server.shutdown()
