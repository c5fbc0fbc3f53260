"""What a completed cycle leaves behind for the ones after it: its status, latency and counters.

Governance (the anomaly monitor, the reject rate, the automatic kill switch) reads a window of
these; the cycle engine keeps that window in memory and restores it from the ledger at start.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum


class CycleStatus(StrEnum):
    """A cycle's status as the ledger stores it. `running` is a cycle that started and never
    completed (the process died in it)."""

    RUNNING = "running"
    OK = "ok"
    DEGRADED = "degraded"
    FAILED = "failed"


@dataclass(frozen=True, slots=True, kw_only=True)
class CycleOutcome:
    cycle_id: int
    status: CycleStatus
    duration_ms: int | None = None
    counters: Mapping[str, int] = field(default_factory=dict)

    def count(self, name: str) -> int:
        return int(self.counters.get(name, 0))
