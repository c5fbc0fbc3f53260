"""The market-data stream: the WebSocket feed plus the stream-first ingestion policy.

Built only when `market_data.feed = "websocket"`; REST stays the fallback for any symbol whose
stream data is older than `market_data.fallback_age_ms`.
"""

from __future__ import annotations

import logging
import random
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import TYPE_CHECKING

from bot.config import Settings
from bot.exchange.btcturk.auth import Credentials
from bot.exchange.btcturk.ws.events import OrderDeleted
from bot.exchange.btcturk.ws.quotes import FeedStats
from bot.exchange.gateway import MarketDataSource
from bot.exchange.ingestion import StreamFirstMarketData
from bot.obs.metrics import Metrics

if TYPE_CHECKING:
    # The feed loads websockets and asyncio; `open_stream` imports it, so that REST runs and
    # commands that only need `wall_ms` (`ledger show`) never load them.
    from bot.exchange.btcturk.ws.feed import MarketFeed

log = logging.getLogger(__name__)
FEED_EVENTS = ("connects", "disconnects", "resnapshots", "drops", "malformed", "login_failures")


class FallbackMetrics:
    def __init__(self, metrics: Metrics) -> None:
        self._m = metrics

    def fell_back(self, symbol: str) -> None:
        self._m.market_data_fallbacks_total.labels(symbol=symbol).inc()
        log.warning("market data: stream stale or missing, using REST", extra={"fields": {"symbol": symbol}})

    def recovered(self, symbol: str) -> None:
        self._m.market_data_recoveries_total.labels(symbol=symbol).inc()
        log.info("market data: stream fresh again", extra={"fields": {"symbol": symbol}})


@dataclass(slots=True)
class Stream:
    feed: MarketFeed
    market: StreamFirstMarketData
    _reported: FeedStats = field(default_factory=FeedStats)

    def close(self) -> None:
        if not self.feed.stop():
            log.warning("market feed did not stop in time")

    def deletions(self) -> list[tuple[str, Decimal]]:
        """Drain the private channel: (exchange order id, remaining) for every order that left the book.

        Other private events need no action here: fills are taken from the trade history, which
        is complete and idempotent, and the stream only says sooner that they happened.
        """
        return [
            (event.order_id, event.remaining_quantity)
            for event in self.feed.order_events()
            if isinstance(event, OrderDeleted)
        ]

    def report(self, metrics: Metrics) -> None:
        """Export what the feed counted since the last report."""
        stats = self.feed.stats()
        deltas = {name: getattr(stats, name) - getattr(self._reported, name) for name in FEED_EVENTS}
        for name, delta in deltas.items():
            if delta > 0:
                metrics.feed_events_total.labels(event=name).inc(delta)
        if any(deltas.values()):
            log.info("market feed", extra={"fields": {"connected": stats.connected, **deltas}})
        self._reported = stats


def open_stream(
    settings: Settings,
    rest: MarketDataSource,
    metrics: Metrics,
    *,
    now_ms: Callable[[], int],
    credentials: Credentials | None,
) -> Stream:
    from bot.exchange.btcturk.ws.feed import FeedOptions, MarketFeed

    md = settings.market_data
    feed = MarketFeed(
        md.ws_url,
        settings.universe.symbols,
        clock=now_ms,
        credentials=credentials,
        options=FeedOptions(rng=random.Random()),
    )
    feed.start()
    market = StreamFirstMarketData(
        stream=feed,
        rest=rest,
        now_ms=now_ms,
        fallback_age_ms=md.fallback_age_ms,
        observer=FallbackMetrics(metrics),
    )
    return Stream(feed=feed, market=market)


def wall_ms() -> int:
    return time.time_ns() // 1_000_000
