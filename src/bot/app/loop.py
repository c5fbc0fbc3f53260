"""The daemon loop: cycles on a period with jitter, stops cleanly on SIGTERM/SIGINT (`bot.app.stop`)."""

from __future__ import annotations

import logging
import random
from collections.abc import Callable
from dataclasses import dataclass, field

from bot.app.stop import StopFlag, stop_on_signals
from bot.cycle.run import CycleResult, run_cycle
from bot.cycle.runtime import Runtime
from bot.domain.cycles import CycleStatus

log = logging.getLogger(__name__)
__all__ = ["LoopPlan", "LoopTally", "StopFlag", "run_cycles", "stop_on_signals"]


@dataclass(frozen=True, slots=True, kw_only=True)
class LoopPlan:
    max_cycles: int  # 0 = until stopped
    cycle_seconds: float
    jitter_ratio: float
    # Replay runs move their own clock and never wait on the wall clock.
    advance: Callable[[], bool] | None = None
    # After every cycle (the ledger guard: head marker, periodic integrity check).
    after_cycle: Callable[[], None] = lambda: None


@dataclass(slots=True)
class LoopTally:
    """What a run of the loop did, as counts: its memory stays the same however many cycles run.

    `by_status` counts cycles per status; `counters` sums each cycle's counters (intents,
    submitted, approved, ...), so `counters["submitted"]` is the orders submitted in the run.
    """

    cycles: int = 0
    by_status: dict[CycleStatus, int] = field(default_factory=dict)
    counters: dict[str, int] = field(default_factory=dict)
    last_cycle_id: int | None = None
    stopped_by: str | None = None  # why the loop ended early: a signal, the replay's end; None: max cycles

    def add(self, result: CycleResult) -> None:
        self.cycles += 1
        self.by_status[result.status] = self.by_status.get(result.status, 0) + 1
        for name, value in result.counters.items():
            self.counters[name] = self.counters.get(name, 0) + value
        self.last_cycle_id = result.cycle_id

    @property
    def submitted(self) -> int:
        return self.counters.get("submitted", 0)

    def document(self) -> dict[str, object]:
        """The run's summary as JSON: `bot run ... --json`."""
        return {
            "cycles": self.cycles,
            "by_status": {status.value: n for status, n in sorted(self.by_status.items())},
            "submitted": self.submitted,
            "counters": dict(sorted(self.counters.items())),
            "last_cycle_id": self.last_cycle_id,
        }

    def summary(self) -> str:
        """`N cycles (a degraded, b ok); M orders submitted`, as `bot run` prints it."""
        statuses = ", ".join(f"{n} {status}" for status, n in sorted(self.by_status.items()))
        return f"{self.cycles} cycles ({statuses}); {self.submitted} orders submitted"


def run_cycles(
    rt: Runtime,
    plan: LoopPlan,
    flag: StopFlag,
    rng: random.Random | None = None,
    *,
    cycle: Callable[[Runtime], CycleResult] = run_cycle,
    on_cycle: Callable[[CycleResult], None] | None = None,
) -> LoopTally:
    """Run `cycle` until `flag` stops, `plan.max_cycles` ran or a replay's data runs out.

    Keeps counts, not results (a `LoopTally`); `on_cycle` sees each result as it comes, for a
    caller that wants them. Between cycles it waits out the period with jitter, unless the plan
    advances its own (replay) clock.
    """
    rng = rng or random.Random()
    tally = LoopTally()
    while not flag.stopped and (plan.max_cycles == 0 or tally.cycles < plan.max_cycles):
        result = cycle(rt)
        tally.add(result)
        if on_cycle is not None:
            on_cycle(result)
        log.info(
            "cycle completed",
            extra={"fields": {"cycle_id": result.cycle_id, "status": result.status, **result.counters}},
        )
        if plan.advance is not None:
            exhausted = not plan.advance()
            plan.after_cycle()
            if exhausted:
                flag.stop("replay dataset exhausted")
            continue
        plan.after_cycle()
        if plan.max_cycles and tally.cycles >= plan.max_cycles:
            break
        jitter = plan.cycle_seconds * plan.jitter_ratio * (2 * rng.random() - 1)
        flag.wait(max(0.0, plan.cycle_seconds - result.duration_s + jitter))
    if flag.reason:
        log.info("loop stopped", extra={"fields": {"reason": flag.reason, "cycles": tally.cycles}})
    tally.stopped_by = flag.reason or None
    return tally
