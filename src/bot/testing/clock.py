"""One fake clock for every seam that reads or waits on time."""

from __future__ import annotations

NS_PER_MS = 1_000_000
NS_PER_S = 1_000_000_000


class FakeClock:
    """Time that moves only when a test moves it, or when the code under test sleeps on it.

    It serves each way the code takes time: `now_ms()` (the domain `Clock`: epoch milliseconds),
    `monotonic()` (seconds, for the rate limiter and the circuit breaker) and `sleep()` /
    `async_sleep()` (for clients that back off: each wait is recorded in `sleeps` and moves the
    clock by that much, at once). Kept in integer nanoseconds, so milliseconds never drift.
    """

    def __init__(self, now_ms: int = 1_700_000_000_000) -> None:
        self._now_ns = now_ms * NS_PER_MS
        self.sleeps: list[float] = []

    @classmethod
    def at_seconds(cls, seconds: float) -> FakeClock:
        clock = cls(0)
        clock.set_seconds(seconds)
        return clock

    def now_ms(self) -> int:
        return self._now_ns // NS_PER_MS

    def monotonic(self) -> float:
        """The time in seconds (float), for code that takes a `time.monotonic`-like callable."""
        return self._now_ns / NS_PER_S

    def advance(self, ms: int) -> None:
        self._now_ns += ms * NS_PER_MS

    def advance_seconds(self, seconds: float) -> None:
        self._now_ns += round(seconds * NS_PER_S)

    def set(self, now_ms: int) -> None:
        self._now_ns = now_ms * NS_PER_MS

    def set_seconds(self, seconds: float) -> None:
        self._now_ns = round(seconds * NS_PER_S)

    def sleep(self, seconds: float) -> None:
        """Record the wait and move the clock by it; never blocks."""
        self.sleeps.append(seconds)
        self.advance_seconds(seconds)

    async def async_sleep(self, seconds: float) -> None:
        self.sleep(seconds)
