"""The stage-7 cycle's time budget by phase, measured in this process.

Runs `bot stage7-run --loop` through the real command path (`commands.run_stage`) with the
functions the cycle is made of wrapped by an exclusive timer (`bench_inprocess.ExclusiveTimer`):
each row is the function's own time, its wrapped callees charged to their own rows. What no row
claims (the loop, run_cycle's glue, log calls) is the `loop: unattributed` row. The wrappers cost
about a microsecond a call, some 20 calls a cycle.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from contextlib import ExitStack
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from bench_common import THREE_SYMBOLS, SectionResult, Session, Table, progress, replay_settings
from bench_inprocess import ExclusiveTimer, patch_attr, run_stage_in_process, settings_for

ADVANCE = "loop: replay clock (state write)"
UNATTRIBUTED = "loop: unattributed"
# (module or class path, attribute, row) in cycle order; the row's first word is its phase.
WRAPPED = (
    ("bot.cycle.run", "_start", "record: CycleStarted"),
    ("bot.cycle.run", "_gather", "gather: clock, metrics, opening balances"),
    ("bot.cycle.run", "gather_market", "gather: market data"),
    ("bot.cycle.run", "gather_account", "gather: account (balances, open orders)"),
    ("bot.cycle.run", "_reconcile", "reconcile: fills, orders, unknowns"),
    ("bot.cycle.run", "read_ledger_view", "gather: ledger view"),
    ("bot.cycle.run", "_trade", "gather: drift, kill switch, safety inputs"),
    ("bot.cycle.portfolio.stage.PortfolioStage", "plan", "decide: marks, equity, capital, valuation"),
    ("bot.cycle.portfolio.stage.PortfolioStage", "_accounts", "decide: books at marks"),
    ("bot.cycle.portfolio.stage", "select_universe", "decide: universe"),
    ("bot.cycle.portfolio.stage", "run_strategies", "decide: strategies"),
    ("bot.cycle.portfolio.stage.PortfolioStage", "_intents", "decide: allocation, order lifecycle"),
    ("bot.cycle.portfolio.stage.PortfolioStage", "_govern", "decide: budget, anomaly, volatility"),
    ("bot.cycle.portfolio.stage", "check_portfolio", "check: caps, stops, risk mode"),
    ("bot.cycle.run", "_record_decisions", "record: decisions"),
    ("bot.cycle.portfolio.stage", "record_portfolio", "record: portfolio state"),
    ("bot.cycle.portfolio.stage", "report_portfolio", "record: portfolio logs"),
    ("bot.cycle.runtime.Runtime", "on_decision", "record: decision logs, metrics"),
    ("bot.execution.executor.Executor", "execute", "act: write-ahead, submit, cancel"),
    ("bot.cycle.run", "_complete", "record: CycleCompleted, metrics"),
    ("bot.app.ledger_access.LedgerGuard", "after_cycle", "loop: batch commit, head, integrity"),
    ("bot.app.loop", "run_cycles", UNATTRIBUTED),
)
PHASES = ("gather", "reconcile", "decide", "check", "act", "record", "loop")


def _owner(path: str) -> object:
    import importlib

    module_path, _, last = path.rpartition(".")
    try:
        return importlib.import_module(path)
    except ModuleNotFoundError:
        return getattr(importlib.import_module(module_path), last)


def _wrap_advance(timer: ExclusiveTimer, stack: ExitStack) -> None:
    """The replay clock's advance is a closure made per run: wrap it as `_clock_for` returns it."""
    import bot.app.composition as composition

    clock_for = composition._clock_for

    def timed_clock_for(*args: Any, **kwargs: Any) -> tuple[Any, Callable[[], bool] | None]:
        clock, advance = clock_for(*args, **kwargs)
        return clock, None if advance is None else timer.wrap(ADVANCE, advance)

    stack.enter_context(patch_attr(composition, "_clock_for", timed_clock_for))


@dataclass(slots=True)
class Snapshots:
    """The timer's totals at the start of every cycle and when the loop returns, and the cycles
    after which the ledger guard ran its periodic integrity check (it ends the replay's batch)."""

    timer: ExclusiveTimer
    taken: list[tuple[float, dict[str, float]]] = field(default_factory=list)
    checks_after: list[int] = field(default_factory=list)

    def take(self) -> None:
        self.taken.append((time.perf_counter(), dict(self.timer.seconds)))

    def per_cycle(self, first: int, last: int) -> dict[str, float]:
        """Mean µs per cycle for cycles first..last (1-based): each row, and `loop: unattributed`
        as the window's wall time less every other row."""
        (start_s, start), (end_s, end) = self.taken[first - 1], self.taken[last]
        cycles = last - first + 1
        rows = {name: (end.get(name, 0.0) - start.get(name, 0.0)) / cycles * 1e6 for name in end}
        rows.pop(UNATTRIBUTED, None)
        rows[UNATTRIBUTED] = (end_s - start_s) / cycles * 1e6 - sum(rows.values())
        return rows


def measure(cycles: int, settings: dict[str, str]) -> tuple[Snapshots, int]:
    import bot.app.ledger_access as ledger_access
    import bot.app.loop as loop
    import bot.cycle.run as cycle_run

    snapshots = Snapshots(ExclusiveTimer())
    timer = snapshots.timer
    with ExitStack() as stack:
        for owner, attribute, row in WRAPPED:
            timer.patch(stack, _owner(owner), attribute, row)
        _wrap_advance(timer, stack)
        start, run_cycles, check = cycle_run._start, loop.run_cycles, ledger_access.LedgerGuard.check

        def snapshot_start(*args: Any) -> Any:
            snapshots.take()
            return start(*args)

        def snapshot_loop(*args: Any, **kwargs: Any) -> Any:
            try:
                return run_cycles(*args, **kwargs)
            finally:
                snapshots.take()

        def noted_check(guard: Any) -> None:
            if snapshots.taken:  # not the check at open, before the first cycle
                snapshots.checks_after.append(len(snapshots.taken))
            check(guard)

        stack.enter_context(patch_attr(cycle_run, "_start", snapshot_start))
        stack.enter_context(patch_attr(loop, "run_cycles", snapshot_loop))
        stack.enter_context(patch_attr(ledger_access.LedgerGuard, "check", noted_check))
        ran = run_stage_in_process(settings_for(settings), "7", cycles)
    return snapshots, ran


def run(session: Session) -> SectionResult:
    cycles = session.options.phase_cycles
    result = SectionResult(name="phases", title="stage-7 cycle budget by phase (in process)")
    result.settings = {
        "run": f"stage 7, {cycles:,} cycles, shipped defaults (synchronous FULL), {','.join(THREE_SYMBOLS)}",
        "dataset": "replays/synthetic (bundled)",
        "method": "exclusive wall time of the cycle's functions, wrapped in place (bench/bench_phases.py)",
    }
    with session.scratch("phases-") as tmp:
        progress(f"phases: stage 7, {cycles:,} cycles in this process")
        snapshots, ran = measure(cycles, replay_settings(Path(tmp) / "ledger.sqlite"))
    windows = _windows(snapshots, ran)
    names = [name for _, _, name in WRAPPED]
    order = [*names[:-1], ADVANCE, names[-1]]
    columns = [snapshots.per_cycle(first, last) for _, first, last in windows]
    rows = [(name, *(f"{column.get(name, 0.0):,.0f}" for column in columns)) for name in order]
    rows.append(("cycle, all rows", *(f"{sum(column.values()):,.0f}" for column in columns)))
    headers = tuple(f"µs/cycle, {label}" for label, _, _ in windows)
    result.tables.append(Table(title="per cycle, mean", columns=("row", *headers), rows=rows))
    by_phase = [{p: sum(v for n, v in c.items() if n.split(":")[0] == p) for p in PHASES} for c in columns]
    phase_rows = [(p, *(f"{c[p]:,.0f} ({c[p] / sum(c.values()):.0%})" for c in by_phase)) for p in PHASES]
    result.tables.append(Table(title="by phase (share)", columns=("phase", *headers), rows=phase_rows))
    if snapshots.checks_after:
        result.notes.append(
            f"the ledger guard's periodic integrity check (store.integrity_check_events) ran after cycle"
            f" {snapshots.checks_after[0]:,} (inside the open batch); its cost is in the later window's"
            " loop row"
        )
    labelled = {label: phases for (label, _, _), phases in zip(windows, by_phase, strict=True)}
    result.figures = {"cycles": ran, "us_per_cycle_by_phase": labelled}
    for (label, _, _), phases in zip(windows, by_phase, strict=True):
        text = ", ".join(f"{p} {v:,.0f}" for p, v in phases.items())
        result.summary.append((f"stage 7 µs/cycle by phase, {label}", text))
    return result


def _windows(snapshots: Snapshots, ran: int) -> list[tuple[str, int, int]]:
    """Cycles before the first periodic integrity check and (from 20 cycles after it) the rest;
    the whole run if no check came."""
    if not snapshots.checks_after or snapshots.checks_after[0] + 20 >= ran:
        return [(f"cycles 1-{ran:,}", 1, ran)]
    check = snapshots.checks_after[0]
    return [(f"cycles 1-{check - 1:,}", 1, check - 1), (f"cycles {check + 21:,}-{ran:,}", check + 21, ran)]
