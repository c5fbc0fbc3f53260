"""Choosing adapters: where market data comes from, and which gateway places orders.

| exchange.adapter | market_data.source | market data           | orders                          |
| ---------------- | ------------------ | --------------------- | ------------------------------- |
| btcturk          | exchange           | BTCTurk REST          | BTCTurk REST (live or simulator)|
| paper            | exchange           | BTCTurk REST, public  | paper account, matching engine  |
| paper            | replay             | replay dataset        | paper account, matching engine  |
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable
from dataclasses import dataclass

from bot.app.paper_account import open_paper_engine
from bot.app.stream import Stream, open_stream, wall_ms
from bot.config import Settings
from bot.domain.clock import Clock
from bot.domain.dataset import Dataset
from bot.exchange.btcturk.auth import Credentials
from bot.exchange.btcturk.breaker import CircuitBreaker
from bot.exchange.btcturk.policy import RetryPolicy
from bot.exchange.btcturk.rate_limit import RateLimiter, RateLimits
from bot.exchange.btcturk.sync_client import BtcturkClient
from bot.exchange.gateway import ExchangeGateway, MarketDataSource
from bot.exchange.paper import PaperGateway
from bot.exchange.replay import ReplayMarketData
from bot.obs.metrics import Metrics
from bot.store.db import Database

Closers = list[Callable[[], None]]


@dataclass(frozen=True, slots=True)
class ExchangeGuards:
    """One rate-limit budget and one view of the exchange's health for every client of a process."""

    limiter: RateLimiter
    breaker: CircuitBreaker

    @classmethod
    def from_settings(cls, settings: Settings) -> ExchangeGuards:
        ex = settings.exchange
        return cls(
            limiter=RateLimiter(RateLimits(scale=ex.rate_limit_ratio)),
            breaker=CircuitBreaker(
                failure_threshold=ex.breaker_failure_threshold, probe_interval_s=ex.breaker_probe_interval_s
            ),
        )


@dataclass(slots=True)
class Adapters:
    market: MarketDataSource
    gateway: ExchangeGateway
    closers: Closers
    stream: Stream | None = None


def build_adapters(
    settings: Settings,
    clock: Clock,
    database: Database,
    dataset: Dataset | None,
    guards: ExchangeGuards,
    metrics: Metrics,
) -> Adapters:
    closers: Closers = []
    if settings.exchange.adapter == "btcturk":
        credentials = _credentials(settings)
        client = btcturk_client(settings, guards, credentials)
        client.sync_clock()
        closers.append(client.close)
        live_market, live_stream = _stream_in_front(settings, client, metrics, credentials, closers)
        return Adapters(market=live_market, gateway=client, closers=closers, stream=live_stream)
    stream = None
    market: MarketDataSource
    if dataset is not None:
        market = ReplayMarketData(dataset, clock)
    else:
        public = btcturk_client(settings, guards, None)
        closers.append(public.close)
        market, stream = _stream_in_front(settings, public, metrics, None, closers)
    engine = open_paper_engine(settings, market.pair_rules(), database)
    return Adapters(
        market=market, gateway=PaperGateway(market, engine, clock), closers=closers, stream=stream
    )


def _stream_in_front(
    settings: Settings,
    client: BtcturkClient,
    metrics: Metrics,
    credentials: Credentials | None,
    closers: Closers,
) -> tuple[MarketDataSource, Stream | None]:
    """The WebSocket stream in front of REST market data, when the settings ask for it."""
    if settings.market_data.feed != "websocket":
        return client, None
    stream = open_stream(
        settings, client, metrics, now_ms=lambda: wall_ms() + client.clock_offset_ms, credentials=credentials
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
    ex = settings.exchange
    return BtcturkClient(
        base_url=ex.base_url,
        graph_base_url=ex.graph_base_url,
        credentials=credentials,
        timeout_s=ex.timeout_s,
        now_ms=lambda: time.time_ns() // 1_000_000,
        sleep=time.sleep,
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
    )
