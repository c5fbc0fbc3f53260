"""Choosing adapters: where market data comes from, and which gateway places orders.

| exchange.adapter | market_data.source | market data           | orders                          |
| ---------------- | ------------------ | --------------------- | ------------------------------- |
| btcturk          | exchange           | BTCTurk REST          | BTCTurk REST (live or simulator)|
| paper            | exchange           | BTCTurk REST, public  | paper account, matching engine  |
| paper            | replay             | replay dataset        | paper account, matching engine  |

BTCTurk market data is read by the async client, every symbol concurrently, unless
`market_data.rest_reads = "sequential"`; with `market_data.feed = "websocket"` the stream sits in
front of it. Orders always go through the sync client. Every client of the process shares one
rate limiter and one circuit breaker (`ExchangeGuards`).
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any

from bot.app.paper_account import open_paper_engine
from bot.app.wiring import Wiring
from bot.config import Settings
from bot.domain.clock import Clock
from bot.domain.dataset import Dataset
from bot.exchange.btcturk.auth import Credentials
from bot.exchange.btcturk.breaker import CircuitBreaker
from bot.exchange.btcturk.rate_limit import RateLimiter, RateLimits
from bot.exchange.call_stats import CallObserver, CallObservers, CallTally
from bot.exchange.gateway import ExchangeGateway, MarketDataSource
from bot.exchange.paper import PaperGateway
from bot.exchange.replay import ReplayMarketData
from bot.obs.metrics import Metrics, MetricsCallObserver
from bot.obs.tracing import TracingCallObserver
from bot.store.db import Database

if TYPE_CHECKING:
    # The HTTP clients (httpx, asyncio) and the stream (websockets, the feed's event types) are
    # imported in the branches that read the exchange: a paper replay never loads them.
    from bot.app.stream import Stream
    from bot.exchange.btcturk.async_client import AsyncBtcturkClient
    from bot.exchange.btcturk.sync_client import BtcturkClient

Closers = list[Callable[[], None]]


@dataclass(frozen=True, slots=True)
class ExchangeGuards:
    """One rate-limit budget, one view of the exchange's health and one count of the requests
    (`calls`, drained by each cycle into its ledger record) for every client of a process."""

    limiter: RateLimiter
    breaker: CircuitBreaker
    calls: CallTally
    observer: CallObserver  # the tally and the metrics

    @classmethod
    def from_settings(
        cls,
        settings: Settings,
        metrics: Metrics | None = None,
        *,
        monotonic: Callable[[], float] = time.monotonic,
        listeners: tuple[CallObserver, ...] = (),
    ) -> ExchangeGuards:
        """`monotonic`: the limiter's and the breaker's clock in seconds; `listeners` hear every
        attempt and retry too (a drill's, both)."""
        ex = settings.exchange
        calls = CallTally()
        # Spans only while tracing.
        observers: list[CallObserver] = [calls, TracingCallObserver(), *listeners]
        if metrics is not None:
            observers.append(MetricsCallObserver(metrics))
        return cls(
            limiter=RateLimiter(RateLimits(scale=ex.rate_limit_ratio), monotonic=monotonic),
            breaker=CircuitBreaker(
                failure_threshold=ex.breaker_failure_threshold,
                probe_interval_s=ex.breaker_probe_interval_s,
                monotonic=monotonic,
            ),
            calls=calls,
            observer=CallObservers(observers),
        )


@dataclass(slots=True)
class Adapters:
    market: MarketDataSource
    gateway: ExchangeGateway
    closers: Closers
    stream: Stream | None = None
    measure_clock: Callable[[], int] | None = None  # the exchange's clock offset, measured (ms)


def build_adapters(
    settings: Settings,
    clock: Clock,
    database: Database,
    dataset: Dataset | None,
    guards: ExchangeGuards,
    metrics: Metrics,
    wiring: Wiring | None = None,
) -> Adapters:
    """`wiring`: a drill's in-process exchange and clock for the BTCTurk client (sequential REST)."""
    closers: Closers = []
    if settings.exchange.adapter == "btcturk":
        credentials = _credentials(settings)
        if wiring is not None:
            client = wired_client(settings, guards, credentials, wiring)
            closers.append(client.close)
            return Adapters(market=client, gateway=client, closers=closers, measure_clock=client.sync_clock)
        client = btcturk_client(settings, guards, credentials)
        closers.append(client.close)
        reads = _rest_market_data(settings, guards, client, closers)
        live_market, live_stream = _stream_in_front(settings, reads, client, metrics, credentials, closers)
        return Adapters(
            market=live_market,
            gateway=client,
            closers=closers,
            stream=live_stream,
            measure_clock=client.sync_clock,
        )
    stream = None
    measure_clock = None
    market: MarketDataSource
    if dataset is not None:
        market = ReplayMarketData(dataset, clock)
    else:
        public = btcturk_client(settings, guards, None)
        closers.append(public.close)
        measure_clock = public.sync_clock
        reads = _rest_market_data(settings, guards, public, closers)
        market, stream = _stream_in_front(settings, reads, public, metrics, None, closers)
    engine = open_paper_engine(settings, market.pair_rules(), database)
    return Adapters(
        market=market,
        gateway=PaperGateway(market, engine, clock),
        closers=closers,
        stream=stream,
        measure_clock=measure_clock,
    )


def _rest_market_data(
    settings: Settings, guards: ExchangeGuards, client: BtcturkClient, closers: Closers
) -> MarketDataSource:
    """REST market data: the async client, reading every symbol at once, or the sync `client`."""
    if settings.market_data.rest_reads == "sequential":
        return client
    from bot.exchange.btcturk.bridge import AsyncClientBridge

    bridge = AsyncClientBridge(lambda: async_btcturk_client(settings, guards))
    closers.append(bridge.close)
    return bridge


def _stream_in_front(
    settings: Settings,
    rest: MarketDataSource,
    client: BtcturkClient,
    metrics: Metrics,
    credentials: Credentials | None,
    closers: Closers,
) -> tuple[MarketDataSource, Stream | None]:
    """The WebSocket stream in front of REST market data, when the settings ask for it.

    Its data age is measured on the exchange's clock: local time plus `client`'s measured offset.
    """
    if settings.market_data.feed != "websocket":
        return rest, None
    from bot.app.stream import open_stream, wall_ms

    stream = open_stream(
        settings, rest, metrics, now_ms=lambda: wall_ms() + client.clock_offset_ms, credentials=credentials
    )
    closers.append(stream.close)
    return stream.market, stream


def _credentials(settings: Settings) -> Credentials | None:
    ex = settings.exchange
    if ex.api_key is None or ex.api_secret is None:
        return None
    return Credentials(api_key=ex.api_key.get_secret_value(), api_secret=ex.api_secret.get_secret_value())


def btcturk_client(
    settings: Settings, guards: ExchangeGuards, credentials: Credentials | None
) -> BtcturkClient:
    from bot.exchange.btcturk.sync_client import BtcturkClient

    return BtcturkClient(credentials=credentials, sleep=time.sleep, **_client_options(settings, guards))


def wired_client(
    settings: Settings, guards: ExchangeGuards, credentials: Credentials | None, wiring: Wiring
) -> BtcturkClient:
    """The sync client on a drill's transport and clock; its retry jitter seeded by the drill."""
    from bot.exchange.btcturk.sync_client import BtcturkClient

    options = _client_options(settings, guards)
    options["policy"] = replace(options["policy"], rng=random.Random(wiring.seed), monotonic=wiring.monotonic)
    options["now_ms"] = wiring.clock.now_ms
    return BtcturkClient(credentials=credentials, sleep=wiring.sleep, transport=wiring.transport, **options)


def async_btcturk_client(settings: Settings, guards: ExchangeGuards) -> AsyncBtcturkClient:
    """A public (keyless) async client: it only ever reads market data."""
    import asyncio

    from bot.exchange.btcturk.async_client import AsyncBtcturkClient

    return AsyncBtcturkClient(sleep=asyncio.sleep, **_client_options(settings, guards))


def _client_options(settings: Settings, guards: ExchangeGuards) -> dict[str, Any]:
    """What the sync and async clients of a process share: endpoints, retries, limits, health."""
    from bot.app.stream import wall_ms
    from bot.exchange.btcturk.engine import CallPolicy
    from bot.exchange.btcturk.policy import RetryPolicy

    ex = settings.exchange
    policy = CallPolicy(
        rng=random.Random(),
        retry=RetryPolicy(
            max_attempts=ex.read_max_attempts,
            base_delay_s=ex.retry_base_delay_s,
            max_delay_s=ex.retry_max_delay_s,
            total_budget_s=ex.retry_budget_s,
        ),
        limiter=guards.limiter,
        breaker=guards.breaker,
        max_clock_skew_ms=ex.max_clock_skew_ms,
        max_rate_wait_s=ex.max_rate_wait_s,
        observer=guards.observer,
    )
    return {
        "base_url": ex.base_url,
        "graph_base_url": ex.graph_base_url,
        "timeout_s": ex.timeout_s,
        "now_ms": wall_ms,
        "policy": policy,
    }
