"""Exchange I/O figures: simulator throughput, client overhead, concurrent reads, WebSocket feed.

Prints figures; asserts nothing. Every server binds 127.0.0.1 on a port the OS picks.

1. Requests per second `bot exchange-sim` serves (in its own process), under N concurrent
   keep-alive connections from this process, for a public read, a book read and a signed read.
2. The client's own cost per call (building, signing, rate limiting, parsing into Decimal domain
   objects), measured over an in-memory transport that answers with bytes the simulator sent,
   against raw httpx plus `json.loads` over the same transport.
3. One cycle's market reads for every symbol of the bundled dataset, sequential (sync client)
   against concurrent (async client behind the bridge), with a fixed simulator latency.
4. Messages per second the WebSocket feed receives, decodes and folds into its order book, from a
   server in another process that sends a snapshot and then order-book diffs as fast as it can.

    .venv/bin/python bench/exchange_io.py [--seconds 3] [--connections 8] [--calls 2000]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import multiprocessing
import os
import random
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from decimal import Decimal
from pathlib import Path
from typing import Any

import httpx
from websockets.asyncio.server import ServerConnection, serve

from bot.domain.market import BookLevel
from bot.domain.orders import Side, SubmitOrder
from bot.exchange.btcturk import AsyncBtcturkClient, BtcturkClient, Credentials, RetryPolicy
from bot.exchange.btcturk.auth import auth_headers
from bot.exchange.btcturk.bridge import AsyncClientBridge
from bot.exchange.btcturk.engine import CallPolicy
from bot.exchange.btcturk.rate_limit import BTCTURK_LIMITS, RateLimiter, RateLimits, WindowRule
from bot.exchange.btcturk.ws import MarketFeed
from bot.exchange.btcturk.ws.feed import FeedOptions
from bot.sim.ws import frames

REPO = Path(__file__).resolve().parent.parent
SIM_CONFIG = REPO / "configs" / "simulator" / "exchange-sim.toml"
API_KEY = "00000000-0000-0000-0000-000000000000"
API_SECRET = "c2ltdWxhdG9yLXRlc3Qtc2VjcmV0LTMyLWJ5dGVzISE="
CREDENTIALS = Credentials(api_key=API_KEY, api_secret=API_SECRET)
SYMBOLS = ("BTCTRY", "ETHTRY", "XRPTRY")


def wall_ms() -> int:
    return time.time_ns() // 1_000_000


@contextmanager
def simulator(*fault_args: str) -> Iterator[str]:
    """`bot exchange-sim` in its own process; yields its base URL."""
    with tempfile.TemporaryDirectory() as tmp:
        port_file = Path(tmp) / "port"
        command = [sys.executable, "-m", "bot", "exchange-sim", "--config", str(SIM_CONFIG), "--port", "0"]
        process = subprocess.Popen(
            [*command, "--port-file", str(port_file), *fault_args],
            cwd=REPO,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        try:
            deadline = time.monotonic() + 20
            while not (port_file.exists() and port_file.read_text().strip()):
                if process.poll() is not None or time.monotonic() > deadline:
                    raise SystemExit("exchange-sim did not start")
                time.sleep(0.05)
            yield f"http://127.0.0.1:{int(port_file.read_text())}"
        finally:
            process.terminate()
            process.wait(10)


# -- 1. simulator throughput ------------------------------------------------------------------


def sim_throughput(url: str, seconds: float, connections: int) -> None:
    print(f"\n1. simulator throughput ({connections} keep-alive connections, {seconds:.0f} s each)")
    print(f"   {'request':<34} {'req/s':>8} {'p50 ms':>8} {'p99 ms':>8} {'errors':>7}")
    targets: list[tuple[str, str, Callable[[], dict[str, str]]]] = [
        ("GET /api/v2/ticker", "/api/v2/ticker?pairSymbol=BTCTRY", dict),
        ("GET /api/v2/orderbook (limit 20)", "/api/v2/orderbook?pairSymbol=BTCTRY&limit=20", dict),
        (
            "GET /api/v1/users/balances (signed)",
            "/api/v1/users/balances",
            lambda: auth_headers(CREDENTIALS, wall_ms()),
        ),
    ]
    for name, path, headers in targets:
        rate, p50, p99, errors = asyncio.run(_load(url + path, headers, seconds, connections))
        print(f"   {name:<34} {rate:>8.0f} {p50:>8.2f} {p99:>8.2f} {errors:>7}")


async def _load(
    url: str, headers: Callable[[], dict[str, str]], seconds: float, connections: int
) -> tuple[float, float, float, int]:
    latencies: list[float] = []
    errors = 0
    limits = httpx.Limits(max_connections=connections, max_keepalive_connections=connections)
    async with httpx.AsyncClient(limits=limits, timeout=10) as client:
        await client.get(url, headers=headers())  # warm the connection and the server
        stop_at = time.perf_counter() + seconds

        async def worker() -> None:
            nonlocal errors
            while time.perf_counter() < stop_at:
                started = time.perf_counter()
                response = await client.get(url, headers=headers())
                latencies.append(time.perf_counter() - started)
                errors += response.status_code != 200

        started = time.perf_counter()
        await asyncio.gather(*(worker() for _ in range(connections)))
        elapsed = time.perf_counter() - started
    ordered = sorted(latencies)
    p99 = ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))]
    return len(latencies) / elapsed, statistics.median(ordered) * 1000, p99 * 1000, errors


# -- 2. client overhead -----------------------------------------------------------------------


def captured_bodies(url: str) -> dict[tuple[str, str], bytes]:
    """Real simulator answers, keyed by (method, path), to replay from memory."""
    client = BtcturkClient(base_url=url, graph_base_url=url, credentials=CREDENTIALS)
    client.sync_clock()
    bodies: dict[tuple[str, str], bytes] = {}
    with httpx.Client(base_url=url) as raw:
        for path, params in (
            ("/api/v2/ticker", {"pairSymbol": "BTCTRY"}),
            ("/api/v2/orderbook", {"pairSymbol": "BTCTRY", "limit": "20"}),
        ):
            bodies[("GET", path)] = raw.get(path, params=params).content
        stamp = wall_ms() + client.clock_offset_ms
        bodies[("GET", "/api/v1/users/balances")] = raw.get(
            "/api/v1/users/balances", headers=auth_headers(CREDENTIALS, stamp)
        ).content
        bid = client.ticker("BTCTRY").bid
        order = {
            "quantity": "0.001",
            "price": str((bid * Decimal("0.8")).quantize(Decimal(1))),
            "newOrderClientId": "bench-capture",
            "orderMethod": "limit",
            "orderType": "buy",
            "pairSymbol": "BTCTRY",
        }
        stamp = wall_ms() + client.clock_offset_ms
        bodies[("POST", "/api/v1/order")] = raw.post(
            "/api/v1/order", json=order, headers=auth_headers(CREDENTIALS, stamp)
        ).content
    client.close()
    return bodies


def client_overhead(bodies: dict[tuple[str, str], bytes], calls: int) -> None:
    def answer(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, content=bodies[(request.method, request.url.path)])

    transport = httpx.MockTransport(answer)
    # Every group still goes through the limiter, with windows too wide to ever make a call wait.
    unbounded = RateLimits(rules={group: (WindowRule(10**9, 1),) for group in BTCTURK_LIMITS})
    client = BtcturkClient(
        base_url="http://exchange.bench",
        credentials=CREDENTIALS,
        transport=transport,
        policy=CallPolicy(retry=RetryPolicy(max_attempts=1), limiter=RateLimiter(unbounded)),
    )
    raw = httpx.Client(base_url="http://exchange.bench", transport=transport)
    counter = iter(range(10**9))
    cases: list[tuple[str, Callable[[], object], Callable[[], object]]] = [
        (
            "ticker",
            lambda: client.ticker("BTCTRY"),
            lambda: json.loads(raw.get("/api/v2/ticker", params={"pairSymbol": "BTCTRY"}).content),
        ),
        (
            "order_book (20 levels)",
            lambda: client.order_book("BTCTRY", 20),
            lambda: json.loads(
                raw.get("/api/v2/orderbook", params={"pairSymbol": "BTCTRY", "limit": 20}).content
            ),
        ),
        (
            "balances (signed)",
            client.balances,
            lambda: json.loads(raw.get("/api/v1/users/balances").content),
        ),
        (
            "submit_order (signed)",
            lambda: client.submit_order(
                SubmitOrder(
                    client_order_id=f"bench-{next(counter)}",
                    symbol="BTCTRY",
                    side=Side.BUY,
                    price=Decimal("1000000"),
                    quantity=Decimal("0.001"),
                )
            ),
            lambda: json.loads(raw.post("/api/v1/order", content=b"{}").content),
        ),
    ]
    print(f"\n2. client cost per call over an in-memory transport ({calls} calls each)")
    print(f"   {'call':<24} {'client µs':>10} {'raw httpx µs':>13} {'overhead µs':>12}")
    for name, call, baseline in cases:
        ours, theirs = _per_call_us(call, calls), _per_call_us(baseline, calls)
        print(f"   {name:<24} {ours:>10.0f} {theirs:>13.0f} {ours - theirs:>12.0f}")
    client.close()
    raw.close()


def _per_call_us(call: Callable[[], object], calls: int) -> float:
    for _ in range(min(200, calls)):
        call()
    started = time.perf_counter()
    for _ in range(calls):
        call()
    return (time.perf_counter() - started) / calls * 1e6


# -- 3. concurrent market reads ---------------------------------------------------------------


def concurrent_reads(latency_ms: int, rounds: int) -> None:
    with simulator("--fault", f"latency_ms={{ default = [{latency_ms}, {latency_ms}] }}") as url:
        sync = BtcturkClient(base_url=url, graph_base_url=url, timeout_s=10)

        async def no_sleep(seconds: float) -> None:
            await asyncio.sleep(seconds)

        bridge = AsyncClientBridge(
            lambda: AsyncBtcturkClient(base_url=url, graph_base_url=url, timeout_s=10, sleep=no_sleep)
        )
        sequential, concurrent = [], []
        for _ in range(rounds):
            started = time.perf_counter()
            for symbol in SYMBOLS:
                sync.ticker(symbol)
                sync.order_book(symbol, 20)
            sequential.append(time.perf_counter() - started)
            started = time.perf_counter()
            reads = bridge.market_reads(SYMBOLS, 20)
            concurrent.append(time.perf_counter() - started)
            assert all(not isinstance(read, Exception) for read in reads.values()), reads
        sync.close()
        bridge.close()
    n = len(SYMBOLS)
    print(f"\n3. one cycle's market reads: {n} symbols x (ticker + book), simulator latency {latency_ms} ms")
    print(
        f"   sequential, sync client    {statistics.median(sequential) * 1000:7.1f} ms (median of {rounds})"
    )
    print(
        f"   concurrent, async client   {statistics.median(concurrent) * 1000:7.1f} ms (median of {rounds})"
    )


# -- 4. WebSocket feed ------------------------------------------------------------------------


LEVELS = 20


def book_frames(messages: int) -> tuple[str, list[str], tuple[Decimal, Decimal]]:
    """A 20-level snapshot, `messages` diffs that each change one bid, and the last bid they set."""
    bids = [BookLevel(price=Decimal(1_000_000 - i), quantity=Decimal("1")) for i in range(LEVELS)]
    asks = [BookLevel(price=Decimal(1_000_001 + i), quantity=Decimal("1")) for i in range(LEVELS)]
    now = wall_ms()
    snapshot = frames.book_full("BTCTRY", 1, (bids, asks), now)
    diffs = []
    for i in range(messages):
        changed = BookLevel(price=bids[i % LEVELS].price, quantity=Decimal(i + 2) / 1000)
        diffs.append(frames.book_diff("BTCTRY", i + 2, ([(frames.CHANGE_UPDATED, changed)], []), now))
    return snapshot, diffs, (bids[(messages - 1) % LEVELS].price, Decimal(messages + 1) / 1000)


def serve_book(messages: int, port_out: Any, sent_out: Any) -> None:
    """Child process: a WebSocket server that answers subscriptions, then floods book diffs."""
    snapshot, diffs, _ = book_frames(messages)

    async def session(ws: ServerConnection) -> None:
        await ws.send(frames.welcome())
        async for raw in ws:
            message = json.loads(raw)
            if message[0] != 151:
                continue
            body = message[1]
            await ws.send(frames.result(True, f"join|{body['channel']}|{body['event']}"))
            if body["channel"] == "orderbook" and body["join"]:
                await ws.send(snapshot)
                sent_out.put(time.time())
                for diff in diffs:
                    await ws.send(diff)

    async def main() -> None:
        async with serve(session, "127.0.0.1", 0) as server:
            port_out.put(server.sockets[0].getsockname()[1])
            await asyncio.Future()

    asyncio.run(main())


def ws_feed_rate(messages: int) -> None:
    *_, final_bid = book_frames(messages)
    port_q: multiprocessing.Queue[int] = multiprocessing.Queue()
    sent_q: multiprocessing.Queue[float] = multiprocessing.Queue()
    server = multiprocessing.Process(target=serve_book, args=(messages, port_q, sent_q), daemon=True)
    server.start()
    try:
        port = port_q.get(timeout=30)
        feed = MarketFeed(
            f"ws://127.0.0.1:{port}",
            ["BTCTRY"],
            clock=wall_ms,
            options=FeedOptions(max_queue=messages + 10, trades=False),
        )
        feed.start()
        deadline = time.monotonic() + 120
        done_at = None
        while time.monotonic() < deadline:
            quote = feed.latest("BTCTRY")
            book = quote.book if quote else None
            if book and any((level.price, level.quantity) == final_bid for level in book.bids):
                done_at = time.time()
                break
            time.sleep(0.0005)
        stats = feed.stats()
        feed.stop()
        started_at = sent_q.get(timeout=5)
    finally:
        server.terminate()
        server.join(10)
    print(
        f"\n4. WebSocket feed: {messages} order-book diffs ({LEVELS}-level book), server in another process"
    )
    if done_at is None:
        print("   the feed did not reach the final book state in time")
        return
    elapsed = done_at - started_at
    print(
        f"   applied in {elapsed:.2f} s -> {messages / elapsed:,.0f} messages/s"
        " (receive, decode, apply, publish)"
    )
    print(f"   drops {stats.drops}, resnapshots {stats.resnapshots}, malformed {stats.malformed}")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--seconds", type=float, default=3.0, help="duration of each throughput run")
    parser.add_argument("--connections", type=int, default=8)
    parser.add_argument("--calls", type=int, default=2000, help="calls per client-overhead case")
    parser.add_argument("--latency-ms", type=int, default=20, help="simulator latency for section 3")
    parser.add_argument("--messages", type=int, default=20000, help="WebSocket diffs for section 4")
    args = parser.parse_args()
    random.seed(1)
    print(f"machine: {os.cpu_count()} CPUs, Python {sys.version.split()[0]}")
    with simulator() as url:
        sim_throughput(url, args.seconds, args.connections)
        bodies = captured_bodies(url)
    client_overhead(bodies, args.calls)
    concurrent_reads(args.latency_ms, rounds=10)
    ws_feed_rate(args.messages)


if __name__ == "__main__":
    main()
