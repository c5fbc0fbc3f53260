"""A stage-7 run in this process with SQLite's statement trace on the ledger's connection:
write statements by table, transaction statements, units of work, and COMMITs along the run."""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable
from contextlib import ExitStack
from typing import Any

from bench_inprocess import patch_attr, run_stage_in_process, settings_for

STRETCH = 200  # cycles per stretch of the COMMIT count: store.backtest_batch_cycles
_WRITE = re.compile(
    r"^\s*(?:INSERT(?:\s+OR\s+\w+)?\s+INTO|REPLACE\s+INTO|UPDATE(?:\s+OR\s+\w+)?|DELETE\s+FROM)\s+[\"`\[]?(\w+)",
    re.IGNORECASE,
)


class StatementCounter:
    """SQLite trace callback (one call per statement run, each row of an executemany included)."""

    def __init__(self) -> None:
        self.writes: Counter[str] = Counter()  # write statements by table
        self.transactions: Counter[str] = Counter()  # BEGIN and COMMIT statements
        self.units_of_work = 0  # Database.unit_of_work() calls
        self.total_changes = 0  # rows SQLite changed, from the connection when it closes
        self.cycle = 0  # cycles started so far
        self.commits_by_stretch: Counter[int] = Counter()  # COMMITs per STRETCH cycles

    def __call__(self, sql: str) -> None:
        match = _WRITE.match(sql)
        if match:
            self.writes[match.group(1).lower()] += 1
            return
        verb = sql.lstrip()[:6].upper()
        if verb.startswith(("BEGIN", "COMMIT")):
            self.transactions[verb.split()[0]] += 1
        if verb == "COMMIT" and self.cycle:
            self.commits_by_stretch[(self.cycle - 1) // STRETCH] += 1

    def counting(self, function: Callable[..., Any], attribute: str) -> Callable[..., Any]:
        """`function`, adding one to `attribute` per call."""

        def counted(*args: Any, **kwargs: Any) -> Any:
            setattr(self, attribute, getattr(self, attribute) + 1)
            return function(*args, **kwargs)

        return counted


def traced_run(settings_overrides: dict[str, str], cycles: int) -> StatementCounter:
    """Stage 7 in this process with every statement on the ledger's connection counted."""
    import bot.cycle.run as cycle_run
    from bot.store.db import Database

    counter = StatementCounter()
    open_ledger, close_ledger = Database.open, Database.close

    def traced_open(cls: type[Database], *args: Any, **kwargs: Any) -> Database:
        database = open_ledger(*args, **kwargs)
        database.connection.set_trace_callback(counter)
        return database

    def counted_close(self: Database) -> None:
        counter.total_changes += self.connection.total_changes
        close_ledger(self)

    with ExitStack() as stack:
        stack.enter_context(patch_attr(cycle_run, "_start", counter.counting(cycle_run._start, "cycle")))
        unit_of_work = counter.counting(Database.unit_of_work, "units_of_work")
        stack.enter_context(patch_attr(Database, "unit_of_work", unit_of_work))
        stack.enter_context(patch_attr(Database, "open", classmethod(traced_open)))
        stack.enter_context(patch_attr(Database, "close", counted_close))
        run_stage_in_process(settings_for(settings_overrides), "7", cycles)
    return counter
