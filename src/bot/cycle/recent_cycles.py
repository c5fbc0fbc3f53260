"""The window of recent cycles governance reads, kept in memory so planning never queries SQLite.

Restored from the ledger's `cycles` table on first use (a restart resumes with the same window
an uninterrupted run would have), then extended by the engine as each cycle completes. A stage
asking for a longer window than is loaded causes one reload, never one per cycle.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Mapping, Sequence

from bot.domain.cycles import CycleOutcome, CycleStatus
from bot.store import Database


class RecentCycles:
    def __init__(self, database: Database) -> None:
        self._database = database
        self._loaded = 0  # how many cycles the window holds at most; 0 before the first load
        self._window: deque[CycleOutcome] = deque()

    def newest_first(self, n: int) -> Sequence[CycleOutcome]:
        """The last `n` completed (or interrupted) cycles before the running one, newest first."""
        if n > self._loaded:
            self._load(n)
        return list(self._window)[:n]

    def completed(
        self, cycle_id: int, status: CycleStatus, duration_ms: int, counters: Mapping[str, int]
    ) -> None:
        """Record what the cycle just written to the ledger left behind."""
        if self._loaded:
            outcome = CycleOutcome(
                cycle_id=cycle_id, status=status, duration_ms=duration_ms, counters=counters
            )
            self._window.appendleft(outcome)

    def _load(self, n: int) -> None:
        # The running cycle's own row (status `running`, written at its start) is not history;
        # rows of cycles a crash interrupted are (they stay `running` for ever).
        running = self._database.cycles.last_cycle_id()
        self._window = deque(
            (
                CycleOutcome(
                    cycle_id=r.cycle_id,
                    status=CycleStatus(r.status),
                    duration_ms=r.duration_ms,
                    counters=dict(r.counters),
                )
                for r in self._database.cycles.recent(n + 1)
                if not (r.cycle_id == running and r.status == CycleStatus.RUNNING)
            ),
            maxlen=n,
        )
        self._loaded = n
