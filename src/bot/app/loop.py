"""The daemon loop: cycles on a period with jitter, stops cleanly on SIGTERM/SIGINT."""

from __future__ import annotations

import logging
import random
import signal
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from bot.cycle.run import CycleResult, run_cycle
from bot.cycle.runtime import Runtime

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True, kw_only=True)
class LoopPlan:
    max_cycles: int  # 0 = until stopped
    cycle_seconds: float
    jitter_ratio: float
    # Replay runs move their own clock and never wait on the wall clock.
    advance: Callable[[], bool] | None = None
    # After every cycle (the ledger guard: head marker, periodic integrity check).
    after_cycle: Callable[[], None] = lambda: None


class StopFlag:
    def __init__(self) -> None:
        self._event = threading.Event()
        self.reason = ""

    def stop(self, reason: str) -> None:
        self.reason = reason
        self._event.set()

    @property
    def stopped(self) -> bool:
        return self._event.is_set()

    def wait(self, seconds: float) -> bool:
        return self._event.wait(seconds)


@contextmanager
def stop_on_signals(flag: StopFlag) -> Iterator[None]:
    """The cycle in progress finishes; no new cycle starts. Only installable in the main thread."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    previous = {sig: signal.getsignal(sig) for sig in (signal.SIGTERM, signal.SIGINT)}

    def handler(signum: int, _frame: object) -> None:
        flag.stop(signal.Signals(signum).name)

    for sig in previous:
        signal.signal(sig, handler)
    try:
        yield
    finally:
        for sig, old in previous.items():
            signal.signal(sig, old)


def run_loop(
    rt: Runtime, plan: LoopPlan, flag: StopFlag, rng: random.Random | None = None
) -> list[CycleResult]:
    rng = rng or random.Random()
    results: list[CycleResult] = []
    while not flag.stopped and (plan.max_cycles == 0 or len(results) < plan.max_cycles):
        result = run_cycle(rt)
        results.append(result)
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
        if plan.max_cycles and len(results) >= plan.max_cycles:
            break
        jitter = plan.cycle_seconds * plan.jitter_ratio * (2 * rng.random() - 1)
        flag.wait(max(0.0, plan.cycle_seconds - result.duration_s + jitter))
    if flag.reason:
        log.info("loop stopped", extra={"fields": {"reason": flag.reason, "cycles": len(results)}})
    return results
