"""Clock implementations. Only these, composition and adapters read the wall clock."""

from __future__ import annotations

import time
from collections.abc import Callable


class SystemClock:
    def now_ms(self) -> int:
        return time.time_ns() // 1_000_000


def _stay(now_ms: int) -> int:
    return now_ms


class ReplayClock:
    """Dataset time for paper runs over a replay: it moves one cycle period per cycle, not per second.

    `land(t)` says where the clock goes when it reaches `t` (at the start and after each step): `t`
    itself, or further on (`bot.replay.fast_forward` jumps over a long gap in the data)."""

    def __init__(self, start_ms: int, step_ms: int, land: Callable[[int], int] = _stay) -> None:
        self._land = land
        self._now_ms = land(start_ms)
        self._step_ms = step_ms

    def now_ms(self) -> int:
        return self._now_ms

    def advance(self) -> None:
        self._now_ms = self._land(self._now_ms + self._step_ms)
