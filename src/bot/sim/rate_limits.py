"""BTCTurk's rate limits (protocol §8) as fixed windows, and the highest rate each group saw.

"Rate limit period starts from the first request for each endpoint": each (group, window) opens
at its first request and closes `period` later; the next request after that opens a new one.
Over the limit, requests are refused until the window resets (the "Block" column equals the
period in every row of the table). The simulator serves one loopback client population, so
the `ip` and `account` policies share one counter per group.
"""

from __future__ import annotations

import math
import threading
from dataclasses import dataclass, field

GRAPH_GROUP = "graph-api"


@dataclass(frozen=True, slots=True)
class Limit:
    requests: int
    period_ms: int
    policy: str

    @property
    def period_text(self) -> str:
        """'1s', '1m', '10m': the unit BTCTurk writes in the 429 body."""
        seconds = self.period_ms // 1000
        return f"{seconds // 60}m" if seconds % 60 == 0 else f"{seconds}s"


LIMITS: dict[str, tuple[Limit, ...]] = {
    "GET /api/v1/users/balances": (Limit(120, 60_000, "ip"),),
    "POST /api/v1/order": (Limit(300, 60_000, "account"), Limit(10, 1_000, "account")),
    "DELETE /api/v1/order": (Limit(300, 60_000, "account"), Limit(10, 1_000, "account")),
    "GET /api/v1/order/{orderid}": (Limit(900, 60_000, "account"), Limit(30, 1_000, "account")),
    "GET /api/v1/openorders": (Limit(300, 60_000, "ip"),),
    "GET /api/v1/allorders": (Limit(300, 60_000, "ip"),),
    "GET /api/v1/users/transactions/trade": (Limit(120, 60_000, "ip"),),
    "GET /api/v2/ticker": (Limit(600, 60_000, "ip"),),
    "GET /api/v2/orderbook": (Limit(180, 60_000, "ip"),),
    "GET /v1/ohlcs": (Limit(120, 60_000, "ip"),),
    GRAPH_GROUP: (Limit(600, 600_000, "ip"),),
}


def groups_of(route: str) -> tuple[str, ...]:
    """The limit groups a `route_key` counts against (graph endpoints also count as graph-api)."""
    groups = [route] if route in LIMITS else []
    if route.split(" ", 1)[-1].startswith("/v1/"):
        groups.append(GRAPH_GROUP)
    return tuple(groups)


@dataclass(frozen=True, slots=True)
class Refusal:
    """Why a request is over its limit and when the window resets."""

    group: str
    limit: Limit
    retry_after_s: int


@dataclass(slots=True)
class _Window:
    limit: Limit
    opened_ms: int | None = None
    count: int = 0
    max_observed: int = 0
    over_limit: int = 0

    def admit(self, now_ms: int) -> bool:
        if self.opened_ms is None or now_ms >= self.opened_ms + self.limit.period_ms:
            self.opened_ms, self.count = now_ms, 0
        self.count += 1
        self.max_observed = max(self.max_observed, self.count)
        if self.count > self.limit.requests:
            self.over_limit += 1
            return False
        return True

    def retry_after_s(self, now_ms: int) -> int:
        reset_ms = (self.opened_ms or now_ms) + self.limit.period_ms
        return max(1, math.ceil((reset_ms - now_ms) / 1000))


@dataclass
class RateLimiter:
    """Counts every request (enforced or not) so tests can read the highest rate per window."""

    _windows: dict[str, tuple[_Window, ...]] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def record(self, route: str, now_ms: int) -> Refusal | None:
        """Count one request of `route`; the first exceeded window, or None if within limits."""
        refusal: Refusal | None = None
        with self._lock:
            for group in groups_of(route):
                windows = self._windows.setdefault(group, tuple(_Window(limit) for limit in LIMITS[group]))
                for window in windows:
                    if not window.admit(now_ms) and refusal is None:
                        refusal = Refusal(group, window.limit, window.retry_after_s(now_ms))
        return refusal

    def report(self) -> dict[str, dict[str, dict[str, int]]]:
        """{group: {period: {limit, max_observed, over_limit}}} for every group seen so far."""
        with self._lock:
            return {
                group: {
                    window.limit.period_text: {
                        "limit": window.limit.requests,
                        "max_observed": window.max_observed,
                        "over_limit": window.over_limit,
                    }
                    for window in windows
                }
                for group, windows in sorted(self._windows.items())
            }
