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


def build_market_and_gateway(
    settings: Settings, clock: Clock, database: Database, dataset: Dataset | None, guards: ExchangeGuards
) -> tuple[MarketDataSource, ExchangeGateway, Closers]:
    if settings.exchange.adapter == "btcturk":
        client = btcturk_client(settings, guards, with_keys=True)
        client.sync_clock()
        return client, client, [client.close]
    closers: Closers = []
    market: MarketDataSource
    if dataset is not None:
        market = ReplayMarketData(dataset, clock)
    else:
        public = btcturk_client(settings, guards, with_keys=False)
        closers.append(public.close)
        market = public
    engine = open_paper_engine(settings, market.pair_rules(), database)
    return market, PaperGateway(market, engine, clock), closers


def btcturk_client(settings: Settings, guards: ExchangeGuards, *, with_keys: bool) -> BtcturkClient:
    ex = settings.exchange
    credentials = None
    if with_keys and ex.api_key is not None and ex.api_secret is not None:
        credentials = Credentials(
            api_key=ex.api_key.get_secret_value(), api_secret=ex.api_secret.get_secret_value()
        )
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
