"""The daemon loop keeps counts of what its cycles did, never the cycles' results themselves, so
its memory is the same after a hundred cycles or a million."""

from __future__ import annotations

import gc
import weakref

from bot.app.loop import LoopPlan, LoopTally, StopFlag, run_cycles
from bot.cycle.run import CycleResult
from bot.domain.cycles import CycleStatus


class TrackedResult(CycleResult):
    """A CycleResult that can be watched with a weak reference (to see whether anyone keeps it)."""


class FakeCycles:
    """Cycle n is degraded every 10th time, places n % 3 orders, and is watched."""

    def __init__(self) -> None:
        self.ran = 0
        self.watched: list[weakref.ref[CycleResult]] = []

    def __call__(self, _rt: object) -> CycleResult:
        self.ran += 1
        status = CycleStatus.DEGRADED if self.ran % 10 == 0 else CycleStatus.OK
        counters = {"intents": 2, "submitted": self.ran % 3}
        result = TrackedResult(cycle_id=self.ran, status=status, counters=counters)
        self.watched.append(weakref.ref(result))
        return result

    def alive(self) -> int:
        gc.collect()
        return sum(1 for ref in self.watched if ref() is not None)


def replay_plan(max_cycles: int) -> LoopPlan:
    return LoopPlan(max_cycles=max_cycles, cycle_seconds=60.0, jitter_ratio=0.0, advance=lambda: True)


def test_the_loop_returns_counts_and_keeps_no_result() -> None:
    cycles = FakeCycles()

    tally = run_cycles(None, replay_plan(1_000), StopFlag(), cycle=cycles)

    assert cycles.ran == 1_000
    assert tally == LoopTally(
        cycles=1_000,
        by_status={CycleStatus.OK: 900, CycleStatus.DEGRADED: 100},
        counters={"intents": 2_000, "submitted": sum(n % 3 for n in range(1, 1_001))},
        last_cycle_id=1_000,
    )
    assert cycles.alive() == 0  # not one of the 1,000 results outlived its cycle


def test_a_caller_that_wants_every_result_keeps_them_itself() -> None:
    cycles = FakeCycles()
    seen: list[CycleResult] = []

    tally = run_cycles(None, replay_plan(50), StopFlag(), cycle=cycles, on_cycle=seen.append)

    assert [r.cycle_id for r in seen] == list(range(1, 51))
    assert tally.cycles == 50 and cycles.alive() == 50  # held by `seen`, not by the loop


def test_the_tally_says_what_bot_run_prints() -> None:
    cycles = FakeCycles()
    tally = run_cycles(None, replay_plan(20), StopFlag(), cycle=cycles)

    assert tally.summary() == "20 cycles (2 degraded, 18 ok); 21 orders submitted"
    assert tally.submitted == 21


def test_a_replay_stops_when_its_data_runs_out() -> None:
    cycles = FakeCycles()
    left = iter([True, True, False])
    plan = LoopPlan(max_cycles=0, cycle_seconds=60.0, jitter_ratio=0.0, advance=lambda: next(left))
    flag = StopFlag()

    tally = run_cycles(None, plan, flag, cycle=cycles)

    assert tally.cycles == 3 and flag.reason == "replay dataset exhausted"
