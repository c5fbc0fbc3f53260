"""Client-side rate limiting per endpoint group (protocol §8). Sans-IO apart from a lock.

BTCTurk counts requests per endpoint and method in fixed windows anchored at the first request
of each window (not sliding). `RateLimiter.acquire` reserves a slot and returns how long the
caller must wait before sending; it never sleeps itself, so one limiter serves the sync and the
async client of a process alike.
"""

from __future__ import annotations

import math
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from types import MappingProxyType

from bot.exchange.btcturk.requests import WireRequest

GRAPH_GROUP = "graph-api"


@dataclass(frozen=True, slots=True)
class WindowRule:
    """At most `limit` requests per fixed window of `period_s` seconds."""

    limit: int
    period_s: float

    def __post_init__(self) -> None:
        if self.limit < 1 or self.period_s <= 0:
            raise ValueError(f"invalid window rule {self.limit}/{self.period_s}s")


def _rules(*pairs: tuple[int, float]) -> tuple[WindowRule, ...]:
    return tuple(WindowRule(limit, period) for limit, period in pairs)


# Keys are "METHOD path-template" in lower case (the table spells orderBook, the builder orderbook).
BTCTURK_LIMITS: Mapping[str, tuple[WindowRule, ...]] = MappingProxyType(
    {
        "get /api/v1/users/balances": _rules((120, 60)),
        "post /api/v1/order": _rules((10, 1), (300, 60)),
        "delete /api/v1/order": _rules((10, 1), (300, 60)),
        "get /api/v1/order/{orderid}": _rules((30, 1), (900, 60)),
        "get /api/v1/openorders": _rules((300, 60)),
        "get /api/v1/allorders": _rules((300, 60)),
        "get /api/v1/trades": _rules((90, 60)),
        "get /api/v1/users/transactions/trade": _rules((120, 60)),
        "get /api/v1/users/transactions/crypto": _rules((90, 60)),
        "get /api/v1/users/transactions/fiat": _rules((90, 60)),
        "get /api/v2/ticker": _rules((600, 60)),
        "get /api/v2/orderbook": _rules((180, 60)),
        GRAPH_GROUP: _rules((600, 600)),
    }
)


def group_for(request: WireRequest) -> str:
    """The limiter group of a request: its method and path template, or 'graph-api' for graph."""
    if request.base == "graph":
        return GRAPH_GROUP
    path = request.path.lower()
    if path.startswith("/api/v1/order/"):
        path = "/api/v1/order/{orderid}"
    return f"{request.method.lower()} {path}"


@dataclass(frozen=True, slots=True, kw_only=True)
class RateLimits:
    """Window rules per group (BTCTurk's table by default), each limit scaled by `scale`.

    `scale` < 1 keeps a margin under the published limits (0.8 → 8 of 10 per second). A scaled
    limit never drops below 1. Groups absent from `rules` (server time, exchange info) are unlimited.
    """

    rules: Mapping[str, tuple[WindowRule, ...]] = field(default_factory=lambda: BTCTURK_LIMITS)
    scale: float = 1.0

    def __post_init__(self) -> None:
        if not 0 < self.scale <= 1:
            raise ValueError("scale must be in (0, 1]")

    def for_group(self, group: str) -> tuple[WindowRule, ...]:
        return tuple(
            WindowRule(max(1, math.floor(rule.limit * self.scale)), rule.period_s)
            for rule in self.rules.get(group.lower(), ())
        )


class _Window:
    """One fixed window: `start` may lie in the future when slots were reserved ahead."""

    __slots__ = ("count", "rule", "start")

    def __init__(self, rule: WindowRule) -> None:
        self.rule = rule
        self.start = -math.inf
        self.count = 0

    def earliest(self, at: float) -> float:
        """The earliest instant >= `at` at which this window can take one more request.

        Every later instant can take one too (until `take` is called).
        """
        if at >= self.start + self.rule.period_s:
            return at  # expired: a request at `at` opens a new window
        if self.count < self.rule.limit:
            return max(at, self.start)
        return self.start + self.rule.period_s

    def take(self, at: float) -> None:
        """Count a request sent at `at`, which `earliest` said is allowed."""
        if at >= self.start + self.rule.period_s:
            self.start, self.count = at, 0
        self.count += 1


class RateLimiter:
    """Reserves request slots per group; thread-safe, so one instance can serve many clients.

    `monotonic` is a clock in seconds (injected in tests).
    """

    def __init__(
        self, limits: RateLimits | None = None, *, monotonic: Callable[[], float] = time.monotonic
    ) -> None:
        self._limits = limits or RateLimits()
        self._monotonic = monotonic
        self._lock = threading.Lock()
        self._windows: dict[str, list[_Window]] = {}
        self.acquired = 0  # slots handed out, for tests and metrics

    def acquire(self, group: str, *, max_wait_s: float = math.inf) -> float:
        """Reserve the next free slot of `group`; returns seconds to wait before sending (>= 0).

        When that wait would exceed `max_wait_s`, nothing is reserved and the wait is returned,
        so the caller can refuse the request instead of stalling.
        """
        with self._lock:
            now = self._monotonic()
            windows = self._windows.get(group)
            if windows is None:
                windows = [_Window(rule) for rule in self._limits.for_group(group)]
                self._windows[group] = windows
            # Each window admits every instant from its `earliest` on, so the latest of them
            # is the first instant at which all the windows of the group have a free slot.
            at = max((window.earliest(now) for window in windows), default=now)
            if at - now > max_wait_s:
                return at - now
            for window in windows:
                window.take(at)
            self.acquired += 1
            return at - now

    def acquire_for(self, request: WireRequest, *, max_wait_s: float = math.inf) -> float:
        return self.acquire(group_for(request), max_wait_s=max_wait_s)
