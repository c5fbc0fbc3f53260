"""Reconnect pacing: exponential backoff with full jitter, and BTCTurk's connection-rate limit."""

from __future__ import annotations

import random
from collections import deque

MAX_CONNECTS_PER_MINUTE = 15  # §8: more are blocked for 60 s
MINUTE_MS = 60_000


class Backoff:
    """Delay n (from 0) is uniform in [0, min(max_s, base_s * 2**n)] ("full jitter")."""

    def __init__(self, base_s: float, max_s: float, rng: random.Random) -> None:
        if base_s <= 0 or max_s < base_s:
            raise ValueError("backoff needs 0 < base_s <= max_s")
        self._base_s = base_s
        self._max_s = max_s
        self._rng = rng
        self.attempt = 0

    def next_delay_s(self) -> float:
        ceiling = min(self._max_s, self._base_s * 2 ** min(self.attempt, 32))
        self.attempt += 1
        return self._rng.uniform(0, ceiling)

    def reset(self) -> None:
        """After a connection proved healthy, the next failure starts from the base again."""
        self.attempt = 0


class ConnectRateLimit:
    """At most `limit` connection attempts in any `window_ms` (sliding, on the injected clock)."""

    def __init__(self, limit: int = MAX_CONNECTS_PER_MINUTE, window_ms: int = MINUTE_MS) -> None:
        self._limit = limit
        self._window_ms = window_ms
        self._attempts: deque[int] = deque()

    def wait_ms(self, now_ms: int) -> int:
        """How long until one more attempt is allowed (0: now)."""
        while self._attempts and now_ms - self._attempts[0] >= self._window_ms:
            self._attempts.popleft()
        if len(self._attempts) < self._limit:
            return 0
        return self._attempts[0] + self._window_ms - now_ms

    def record(self, now_ms: int) -> None:
        self._attempts.append(now_ms)
