"""Cycles in process, through the real composition: what `bot run` does, without the process.

    settings = cycle_settings({"BOT_UNIVERSE__SYMBOLS": '["BTCTRY"]'}, dataset=SYNTHETIC)
    with CycleRun(settings, Database.in_memory(), stage="7") as run:
        results = run.cycles(20)
        changes = run.events("RiskModeChanged")

`CycleRun` builds the runtime with `bot.app.composition.build_runtime`, starts as the daemon
does (the preflight balance read, then recovery of what an earlier run left in flight) and runs
cycles with the daemon's own loop (`bot.app.loop.run_cycles`) without ever waiting between them: a
paper replay moves its dataset clock one period per cycle, and an exchange-backed run goes as fast
as the exchange answers (and its rate limits allow). The operator's wall clock (kill-switch
expiry) is a `FakeClock`.

`run_on(path, settings, n)` is what `bot run --loop --max-cycles N` does to a ledger file, with
the same lock, checks and guard. What needs a process (signals, exit codes and messages, kill -9,
the metrics server, logging configuration) stays with the CLI.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from types import TracebackType
from typing import Any

from bot.app.commands import preflight
from bot.app.composition import Built, build_runtime
from bot.app.ledger_access import LedgerGuard, backtest_batch, open_checked
from bot.app.lock import InstanceLock
from bot.app.loop import LoopPlan, StopFlag, run_cycles
from bot.config import Settings, load_settings
from bot.cycle.portfolio.params import check_portfolio_settings
from bot.cycle.run import CycleResult
from bot.cycle.runtime import Runtime
from bot.execution.recovery import recover
from bot.obs.metrics import Metrics
from bot.store import Database
from bot.testing.clock import FakeClock


def cycle_settings(
    env: Mapping[str, str] | None = None, *, dataset: Path | None = None, **overrides: object
) -> Settings:
    """Settings as the CLI loads them: built-in defaults < `env` (BOT_* names only) < `overrides`
    (dotted keys, e.g. `**{"risk.max_orders_per_cycle": 2}`), checked as `bot run` checks them.

    `dataset` is the replay dataset folder (`market_data.dataset`); raises ConfigError like the CLI.
    """
    dotted: dict[str, object] = dict(overrides)
    if dataset is not None:
        dotted["market_data.dataset"] = str(dataset)
    settings = load_settings(None, dict(env or {}), dotted).settings
    check_portfolio_settings(settings)
    return settings


class CycleRun:
    """One daemon's worth of runtime over `database`, for stage "3", "4" or "7".

    A second `CycleRun` over the same ledger is a restart: it resumes from what the ledger holds.
    Close it (or use it as a context manager) to stop its exchange clients and stream.
    """

    def __init__(
        self,
        settings: Settings,
        database: Database,
        *,
        stage: str = "3",
        wall: FakeClock | None = None,
        metrics: Metrics | None = None,
        after_cycle: Callable[[], None] = lambda: None,
    ) -> None:
        self.database = database
        self.metrics = metrics or Metrics()
        self.built: Built = build_runtime(settings, database, self.metrics, stage)
        self.wall = wall or FakeClock()
        self.runtime.wall = self.wall
        self.exhausted = False
        self._after_cycle = after_cycle
        try:
            preflight(self.runtime)
            self.unresolved_at_start = recover(database, self.runtime.resolver)
        except BaseException:
            self.close()
            raise

    @property
    def runtime(self) -> Runtime:
        return self.built.runtime

    def cycles(self, n: int) -> list[CycleResult]:
        """Run up to `n` cycles (fewer only when the replay dataset runs out, as the daemon stops)."""
        if n < 1:
            raise ValueError(f"n must be at least 1, not {n}")
        if self.exhausted:
            return []
        plan = LoopPlan(
            max_cycles=n,
            cycle_seconds=0.0,
            jitter_ratio=0.0,
            advance=self.built.advance,
            after_cycle=self._after_cycle,
        )
        flag = StopFlag()
        results: list[CycleResult] = []
        run_cycles(self.runtime, plan, flag, on_cycle=results.append)
        self.exhausted = flag.reason == "replay dataset exhausted"
        return results

    def cycle(self) -> CycleResult:
        [result] = self.cycles(1)
        return result

    def events(self, kind: str) -> list[dict[str, Any]]:
        """Payloads of the ledger's events of type `kind`, oldest first."""
        rows = self.rows("SELECT payload FROM events WHERE type = ? ORDER BY seq", (kind,))
        return [json.loads(payload) for (payload,) in rows]

    def rows(self, sql: str, params: Sequence[object] = ()) -> list[tuple[Any, ...]]:
        """A read-only query on the ledger's tables (events, orders, fills, decisions, cycles...)."""
        return list(self.database.connection.execute(sql, tuple(params)).fetchall())

    def close(self) -> None:
        self.runtime.close()

    def __enter__(self) -> CycleRun:
        return self

    def __exit__(
        self, kind: type[BaseException] | None, error: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()


def run_on(
    path: Path,
    settings: Settings,
    cycles: int,
    *,
    stage: str = "3",
    wall: FakeClock | None = None,
    after_cycle: Callable[[], None] = lambda: None,
) -> list[CycleResult]:
    """What `bot run --loop --max-cycles N` (`stage4-run`, `stage7-run`) does to the ledger file at
    `path`, in process: take the instance lock, open and check the ledger (refusing one it cannot
    trust, as the CLI does), take it over with a new fencing token, start, run N cycles with the
    ledger guard after each (head marker, periodic checks, backtest batches), close.

    `wall` (default: a FakeClock set to the current time) stamps what the run itself writes;
    `after_cycle` runs after each cycle's guard (to move a test's clock, say).
    """
    clock = wall or FakeClock(time.time_ns() // 1_000_000)
    with (
        InstanceLock(path) as lock,
        open_checked(path, synchronous=settings.store.synchronous, clock=clock) as database,
    ):
        lock.record_token(database, clock)
        guard = LedgerGuard(
            database,
            clock,
            interval_events=settings.store.integrity_check_events,
            batch_cycles=backtest_batch(settings),
        )

        def guarded() -> None:
            guard.after_cycle()
            after_cycle()

        try:
            with CycleRun(settings, database, stage=stage, wall=clock, after_cycle=guarded) as run:
                return run.cycles(cycles)
        finally:
            guard.close()
