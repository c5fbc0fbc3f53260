"""The drill's time: epoch ms that only the drill moves (a cycle's step, a retry's back-off, an
answer the simulator holds). Everything in a drill reads it: the bot, its client's retry budget,
the rate limiter, the circuit breaker and the simulator, so a run is the same on any machine."""

from __future__ import annotations


class DrillClock:
    def __init__(self, start_ms: int) -> None:
        self._now_ms = start_ms

    def now_ms(self) -> int:
        return self._now_ms

    def monotonic(self) -> float:
        """Seconds, for the breaker and the limiter."""
        return self._now_ms / 1000

    def sleep(self, seconds: float) -> None:
        """A wait passes at once and moves the clock."""
        self._now_ms += max(0, round(seconds * 1000))

    async def async_sleep(self, seconds: float) -> None:
        """The simulator's waits (a held answer, injected latency)."""
        self.sleep(seconds)

    def move_to(self, ms: int) -> None:
        """Never backwards."""
        self._now_ms = max(self._now_ms, ms)
