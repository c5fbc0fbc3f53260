"""Gap fast-forward: a replay clock jumps over a long stretch of time in which no symbol has a row.

A dataset may hold a hole of hours or a year (an exchange outage, two exports put side by side).
Walking it a step at a time makes one empty cycle per step, each on older data: a year of minute
steps is 525,600 cycles that can do nothing. So when the clock steps into a time where the
dataset has no row for longer than `max_gap_ms` (no symbol: one symbol's hole while others trade
is market data, not a hole in the data), it jumps to one step before the next row. That cycle
still runs on the stale row before the gap, so the run sees the hole as it would live, and the
next step lands on the row. Ledger, orders and positions are carried across as they are.
Each jump is logged once, at WARNING, with the gap's start, end and length.
"""

from __future__ import annotations

import heapq
import logging
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime

from bot.domain.dataset import Dataset
from bot.replay.streaming import StreamingDataset

log = logging.getLogger(__name__)


class RowTimes:
    """Every row time of a dataset, all symbols merged in order, walked forward (the clock only
    moves forward; asking about an earlier time than before answers about the later one)."""

    def __init__(self, times: Iterator[int]) -> None:
        self._times = times
        self._last: int | None = None
        self._next: int | None = None
        self._started = False

    @classmethod
    def of(cls, dataset: Dataset) -> RowTimes:
        """The times of `dataset`'s rows; a streamed dataset's are read from disk as they are
        reached (no file is opened before the first question)."""
        if isinstance(dataset, StreamingDataset):
            streams = [dataset.open_times(symbol) for symbol in dataset.symbols]
        else:
            streams = [iter([row.ts_ms for row in dataset.rows[symbol]]) for symbol in dataset.symbols]
        return cls(heapq.merge(*streams))

    def around(self, now_ms: int) -> tuple[int | None, int | None]:
        """(the last row time at or before `now_ms`, the first after it); None where there is none."""
        if not self._started:
            self._next, self._started = next(self._times, None), True
        while self._next is not None and self._next <= now_ms:
            self._last, self._next = self._next, next(self._times, None)
        return self._last, self._next


@dataclass(frozen=True, slots=True, kw_only=True)
class Jump:
    """The clock moves from `from_ms` to `to_ms` over a gap from the last row before it
    (`gap_start_ms`) to the first after it (`gap_end_ms`)."""

    from_ms: int
    to_ms: int
    gap_start_ms: int
    gap_end_ms: int

    @property
    def gap_ms(self) -> int:
        return self.gap_end_ms - self.gap_start_ms


class GapFastForward:
    """Where a replay clock that has just stepped to a time should be. `max_gap_ms` 0: never jump."""

    def __init__(self, times: RowTimes, *, step_ms: int, max_gap_ms: int) -> None:
        if step_ms < 1 or max_gap_ms < 0:
            raise ValueError(f"step_ms must be >= 1 and max_gap_ms >= 0, got {step_ms}, {max_gap_ms}")
        self._times, self._step_ms, self._max_gap_ms = times, step_ms, max_gap_ms

    @classmethod
    def over(cls, dataset: Dataset, *, step_ms: int, max_gap_ms: int) -> GapFastForward:
        return cls(RowTimes.of(dataset), step_ms=step_ms, max_gap_ms=max_gap_ms)

    def jump(self, now_ms: int) -> Jump | None:
        """The jump from `now_ms`, or None when it is on a row, in a gap no longer than
        `max_gap_ms`, before the first row or after the last, or already a step from the next."""
        if self._max_gap_ms == 0:
            return None
        last, following = self._times.around(now_ms)
        if last is None or following is None or last == now_ms or following - last <= self._max_gap_ms:
            return None
        to_ms = following - self._step_ms
        if to_ms <= now_ms:
            return None
        return Jump(from_ms=now_ms, to_ms=to_ms, gap_start_ms=last, gap_end_ms=following)

    def land(self, now_ms: int) -> int:
        """`now_ms`, or where the jump from it lands, logged at WARNING."""
        jump = self.jump(now_ms)
        if jump is None:
            return now_ms
        log.warning(
            "replay: no data from %s to %s (%s); the clock jumps to %s, %d empty cycles skipped",
            _iso(jump.gap_start_ms),
            _iso(jump.gap_end_ms),
            _duration(jump.gap_ms),
            _iso(jump.to_ms),
            (jump.to_ms - jump.from_ms) // self._step_ms,
            extra={
                "fields": {
                    "gap_start_ms": jump.gap_start_ms,
                    "gap_end_ms": jump.gap_end_ms,
                    "gap_ms": jump.gap_ms,
                    "from_ms": jump.from_ms,
                    "to_ms": jump.to_ms,
                }
            },
        )
        return jump.to_ms

    def quiet_land(self, now_ms: int) -> int:
        """As `land`, without the log line (for counting cycles ahead of a run)."""
        jump = self.jump(now_ms)
        return now_ms if jump is None else jump.to_ms


def count_cycles(dataset: Dataset, *, start_ms: int, step_ms: int, max_gap_ms: int) -> int:
    """How many cycles a replay clock that starts at `start_ms` and steps `step_ms` makes up to the
    dataset's last row, fast-forwarding over gaps longer than `max_gap_ms` as a run does."""
    forward = GapFastForward.over(dataset, step_ms=step_ms, max_gap_ms=max_gap_ms)
    end_ms = dataset.end_ms
    cycles, now_ms = 0, forward.quiet_land(start_ms)
    while now_ms <= end_ms:
        cycles += 1
        now_ms = forward.quiet_land(now_ms + step_ms)
    return cycles


def _iso(ms: int) -> str:
    return datetime.fromtimestamp(ms / 1000, tz=UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _duration(ms: int) -> str:
    minutes, _ = divmod(ms // 1000, 60)
    hours, minutes = divmod(minutes, 60)
    days, hours = divmod(hours, 24)
    return f"{days}d {hours}h {minutes}m" if days else f"{hours}h {minutes}m"
