"""The simulator's fault state: the active profile, its seeded draws, counters and hidden orders.

Determinism: every REST request takes exactly one `FaultDraw` (the same number of values from a
`random.Random(seed)` used for nothing else) before anything else happens, whatever the profile.
So two simulators with the same seed that see the same request sequence inject the same faults,
and changing one ratio does not move the faults another ratio injects.
"""

from __future__ import annotations

import asyncio
import random
import threading
from collections.abc import Awaitable, Callable
from dataclasses import asdict, dataclass
from decimal import Decimal

from bot.sim.fault_profile import FaultProfile
from bot.sim.rate_limits import RateLimiter

Sleep = Callable[[float], Awaitable[None]]
SERVER_ERROR_STATUSES = (500, 502, 503, 504)


@dataclass(frozen=True, slots=True)
class FaultDraw:
    """Uniform values in [0, 1) compared against the profile's ratios for one request."""

    latency: float
    rate_limited: float
    server_error: float
    server_status: int
    dropped: float
    lost: float
    malformed: float
    truncated: float


@dataclass(slots=True)
class FaultCounters:
    requests: int = 0
    injected_429: int = 0
    rate_limited_429: int = 0
    injected_5xx: int = 0
    dropped_submits: int = 0
    lost_submits: int = 0
    hidden_orders: int = 0
    hidden_from_queries: int = 0
    malformed: int = 0
    truncated: int = 0
    latency_ms_total: int = 0


class FaultInjector:
    """Owned by SimExchange (`sim.faults`); the WebSocket feed reads `profile.ws_*` from here.

    `sleep` is how delays are awaited (asyncio.sleep; tests of the pipeline may inject their own).
    """

    def __init__(self, profile: FaultProfile, *, seed: int, sleep: Sleep = asyncio.sleep) -> None:
        self.profile = profile
        self.counters = FaultCounters()
        self.rate_limiter = RateLimiter()
        self.sleep = sleep
        self._rng = random.Random(seed)
        self._visible_from_ms: dict[int, int] = {}
        self._lock = threading.Lock()

    def draw(self) -> FaultDraw:
        """The next request's values; also counts the request."""
        with self._lock:
            self.counters.requests += 1
            values = [self._rng.random() for _ in range(7)]
            status = SERVER_ERROR_STATUSES[self._rng.randrange(len(SERVER_ERROR_STATUSES))]
        return FaultDraw(
            latency=values[0],
            rate_limited=values[1],
            server_error=values[2],
            server_status=status,
            dropped=values[3],
            lost=values[4],
            malformed=values[5],
            truncated=values[6],
        )

    def latency_ms(self, route: str, draw: FaultDraw) -> int:
        """Uniform in the route's [min, max] ms (inclusive), picked by `draw.latency`."""
        low, high = self.profile.latency_range_ms(route)
        return low + min(int(draw.latency * (high - low + 1)), high - low)

    def count(self, name: str, amount: int = 1) -> None:
        with self._lock:
            setattr(self.counters, name, getattr(self.counters, name) + amount)

    def order_accepted(self, order_id: int, now_ms: int) -> None:
        """Hide a just-accepted order from order queries for the visibility delay, if any."""
        delay_ms = self.profile.open_orders_visibility_delay_ms
        if delay_ms > 0:
            with self._lock:
                self._visible_from_ms[order_id] = now_ms + delay_ms
                self.counters.hidden_orders += 1

    def is_visible(self, order_id: int, now_ms: int) -> bool:
        """False while the order's visibility delay runs (each refusal is counted)."""
        with self._lock:
            visible_from = self._visible_from_ms.get(order_id)
            if visible_from is None:
                return True
            if now_ms >= visible_from:
                del self._visible_from_ms[order_id]
                return True
            self.counters.hidden_from_queries += 1
            return False

    def report(self) -> dict[str, object]:
        """The active profile, the counters and the rate observed per limit group."""
        with self._lock:
            counters = asdict(self.counters)
        return {
            "profile": _exact(self.profile.model_dump(mode="json")),
            "counters": counters,
            "rate_limits": self.rate_limiter.report(),
        }


def _exact(value: object) -> object:
    """Floats as Decimals of their shortest repr: the wire encoder refuses floats."""
    if isinstance(value, float):
        return Decimal(repr(value))
    if isinstance(value, dict):
        return {key: _exact(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [_exact(item) for item in value]
    return value
