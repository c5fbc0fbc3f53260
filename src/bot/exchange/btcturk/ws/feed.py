"""MarketFeed: the live BTCTurk WebSocket feed, an asyncio loop in a background thread.

It subscribes ticker + order book (+ trade) per symbol, logs in when given credentials, and
publishes an immutable `SymbolQuote` per symbol that the synchronous cycle reads with `latest()`.

Overflow policy: decoded market updates wait in a bounded queue (`max_queue`) for the task that
folds them into quotes. When it is full the OLDEST market update is dropped and counted
(`FeedStats.drops`); a dropped book diff then shows up as a changeset gap and the book is
resnapshotted. Private order events never enter that queue: they go straight to an unbounded
thread-safe queue drained by `order_events()`, so none is ever dropped.

Reconnects: exponential backoff with full jitter (reset once a session delivers market data),
and never more than 15 connection attempts per minute (BTCTurk blocks more for 60 s). After a
reconnect every book is rebuilt from a fresh snapshot; quotes keep their last exchange
timestamp meanwhile, so consumers see staleness grow rather than data that looks fresh.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import queue
import random
import threading
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import WebSocketException

from bot.domain.quotes import SymbolQuote
from bot.exchange.btcturk.auth import Credentials
from bot.exchange.btcturk.ws.backoff import Backoff, ConnectRateLimit
from bot.exchange.btcturk.ws.events import (
    MARKET_EVENTS,
    LoginResult,
    PrivateEvent,
    PrivateSessionStarted,
    SubscriptionResult,
    Welcome,
    WsEvent,
)
from bot.exchange.btcturk.ws.frame_log import client_logger
from bot.exchange.btcturk.ws.frames import FrameDecoder, encode_login, encode_subscribe
from bot.exchange.btcturk.ws.quotes import Counters, FeedStats, MarketState
from bot.exchange.btcturk.ws.updates import MarketUpdates

log = logging.getLogger(__name__)
NowMs = Callable[[], int]


@dataclass(frozen=True, slots=True, kw_only=True)
class FeedOptions:
    """How the feed connects and what it subscribes to.

    `max_queue`: market updates buffered before the oldest is dropped (and counted);
    `backoff`: (first, longest) reconnect delay in seconds, jittered by `rng`;
    `trades`: subscribe to the trade channel too; `idle_timeout_s`: reconnect after this much
    silence; `connect_limit`: the exchange's connection-rate limit, shared by the process's feeds.
    """

    max_queue: int = 1000
    backoff: tuple[float, float] = (0.5, 30.0)
    rng: random.Random | None = None
    trades: bool = True
    book_channel: str = "orderbook"
    idle_timeout_s: float = 30.0
    connect_limit: ConnectRateLimit | None = None


class MarketFeed:
    def __init__(
        self,
        url: str,
        symbols: Iterable[str],
        *,
        clock: NowMs,
        credentials: Credentials | None = None,
        options: FeedOptions | None = None,
    ) -> None:
        """`clock` returns epoch ms (exchange-aligned if possible: it stamps the login and the
        receipt of frames without a timestamp)."""
        o = options or FeedOptions()
        if o.max_queue < 1:
            raise ValueError("max_queue must be at least 1")
        self._url = url
        self._symbols = tuple(dict.fromkeys(symbol.upper() for symbol in symbols))
        self._clock = clock
        self._max_queue = o.max_queue
        self._backoff = Backoff(o.backoff[0], o.backoff[1], o.rng or random.Random())
        self._limit = o.connect_limit or ConnectRateLimit()
        self._credentials = credentials
        self._channels = ("ticker", o.book_channel, *(("trade",) if o.trades else ()))
        self._book_channel = o.book_channel
        self._idle_timeout_s = o.idle_timeout_s
        self._lock = threading.Lock()
        self._quotes: dict[str, SymbolQuote] = {}
        self._private: queue.SimpleQueue[PrivateEvent] = queue.SimpleQueue()
        self._counters = Counters()
        self._decoder = FrameDecoder()
        self._state = MarketState(self._symbols)
        self._thread: threading.Thread | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._stopping: asyncio.Event | None = None
        self._ws: ClientConnection | None = None
        self._closing: asyncio.Future[None] | None = None

    def start(self) -> None:
        """Start the background thread (once)."""
        if self._thread is not None:
            raise RuntimeError("MarketFeed already started")
        ready = threading.Event()
        self._thread = threading.Thread(target=self._run, args=(ready,), name="btcturk-ws-feed", daemon=True)
        self._thread.start()
        ready.wait(5.0)

    def stop(self, timeout: float = 5.0) -> bool:
        """Close the connection and end the thread; True if it ended within `timeout` seconds."""
        loop, thread = self._loop, self._thread
        if loop is None or thread is None:
            return True
        with contextlib.suppress(RuntimeError):  # the loop may already be closed
            loop.call_soon_threadsafe(self._stop_now)
        thread.join(timeout)
        return not thread.is_alive()

    def latest(self, symbol: str) -> SymbolQuote | None:
        with self._lock:
            return self._quotes.get(symbol.upper())

    def stats(self) -> FeedStats:
        with self._lock:
            return self._counters.freeze(malformed=self._decoder.malformed)

    def order_events(self) -> list[PrivateEvent]:
        """Every private event received since the last call, in arrival order."""
        drained: list[PrivateEvent] = []
        with contextlib.suppress(queue.Empty):
            while True:
                drained.append(self._private.get_nowait())
        return drained

    def _run(self, ready: threading.Event) -> None:
        loop = asyncio.new_event_loop()
        self._loop = loop
        try:
            self._stopping = asyncio.Event()
            ready.set()
            loop.run_until_complete(self._main())
        finally:
            loop.close()

    def _stop_now(self) -> None:
        assert self._stopping is not None
        self._stopping.set()
        if self._ws is not None:
            self._closing = asyncio.ensure_future(self._ws.close())

    async def _pause(self, seconds: float) -> None:
        assert self._stopping is not None
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._stopping.wait(), seconds)

    async def _main(self) -> None:
        assert self._stopping is not None
        while not self._stopping.is_set():
            wait_ms = self._limit.wait_ms(self._clock())
            if wait_ms > 0:
                log.warning("ws connect rate limit reached; waiting %d ms", wait_ms)
                await self._pause(wait_ms / 1000)
                continue
            self._limit.record(self._clock())
            await self._connect_once()
            if not self._stopping.is_set():
                await self._pause(self._backoff.next_delay_s())

    async def _connect_once(self) -> None:
        opened = False
        try:
            async with connect(
                self._url, open_timeout=10, ping_interval=20, ping_timeout=20, logger=client_logger()
            ) as ws:
                opened = True
                self._ws = ws
                if self._stopping is not None and self._stopping.is_set():
                    return  # stop() ran during the handshake, before there was a socket to close
                self._update(connects=1, connected=True)
                try:
                    await self._session(ws)
                finally:
                    self._ws = None
                    self._state.reset_books()
                    self._update(disconnects=1, connected=False, logged_in=False)
        except (OSError, TimeoutError, WebSocketException) as e:
            self._update(connect_failures=0 if opened else 1)
            log.info("ws session with %s ended: %s", self._url, e)

    async def _session(self, ws: ClientConnection) -> None:
        """Subscribe, log in, then read until the socket closes, goes silent, or stop is asked."""
        for symbol in self._symbols:
            for channel in self._channels:
                await ws.send(encode_subscribe(channel, symbol))
        if self._credentials is not None:
            await ws.send(encode_login(self._credentials, timestamp_ms=self._clock()))
        pending = MarketUpdates(self._max_queue)
        folder = asyncio.create_task(self._fold(ws, pending))
        try:
            while True:
                try:
                    raw = await asyncio.wait_for(ws.recv(), self._idle_timeout_s)
                except TimeoutError:
                    log.warning("ws silent for %.1f s; reconnecting", self._idle_timeout_s)
                    return
                self._route(self._decoder.decode(raw), pending)
        finally:
            folder.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await folder

    def _route(self, event: WsEvent | None, pending: MarketUpdates) -> None:
        if event is None or isinstance(event, Welcome):
            return
        if isinstance(event, SubscriptionResult):
            if not event.ok:
                log.warning("ws subscription refused: %s", event.message)
            return
        if isinstance(event, LoginResult):
            self._on_login(event)
            return
        if isinstance(event, MARKET_EVENTS):
            if pending.push(event):
                self._update(drops=1)
            return
        self._private.put(event)

    def _on_login(self, result: LoginResult) -> None:
        if result.ok:
            self._update(logged_in=True)
            self._private.put(PrivateSessionStarted(ts_ms=self._clock()))
        else:
            log.error("ws login refused: %s", result.message)
            self._update(login_failures=1, logged_in=False)

    async def _fold(self, ws: ClientConnection, pending: MarketUpdates) -> None:
        """Fold queued market events into quotes; resubscribe a book that lost its sequence."""
        resnapshotting: set[str] = set()
        while True:
            await pending.wait()
            for event in pending.pop_all():
                quote = self._state.apply(event, self._clock())
                if quote is None:
                    continue
                with self._lock:
                    self._quotes[quote.symbol] = quote
                self._backoff.reset()
                book = self._state.books[quote.symbol]
                if book.ready:
                    resnapshotting.discard(quote.symbol)
                elif book.needs_resnapshot and quote.symbol not in resnapshotting:
                    resnapshotting.add(quote.symbol)
                    self._update(resnapshots=1)
                    await ws.send(encode_subscribe(self._book_channel, quote.symbol, join=False))
                    await ws.send(encode_subscribe(self._book_channel, quote.symbol))

    def _update(self, **changes: int | bool) -> None:
        with self._lock:
            self._counters.update(changes)
