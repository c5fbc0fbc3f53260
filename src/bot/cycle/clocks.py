"""Clock implementations. Only these, composition and adapters read the wall clock."""

from __future__ import annotations

import time


class SystemClock:
    def now_ms(self) -> int:
        return time.time_ns() // 1_000_000


class ReplayClock:
    """Dataset time for paper runs over a replay: it moves one cycle period per cycle, not per second."""

    def __init__(self, start_ms: int, step_ms: int) -> None:
        self._now_ms = start_ms
        self._step_ms = step_ms

    def now_ms(self) -> int:
        return self._now_ms

    def advance(self) -> None:
        self._now_ms += self._step_ms
