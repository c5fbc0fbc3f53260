"""`bot drill list` and `bot drill run NAME|all`: the failure drills (`bot.drill`) by name.

A drill's ledgers go to `out/<drill>/` when the operator asks to keep them (`--out`), else to a
temporary folder removed afterwards. Logs are quiet (critical only) unless `verbose` (info): a
drill provokes errors on purpose, and its verdict is the table, not the log. The process's
logging is put back as it was after the drills (a run configures the root logger).
SIGINT/SIGTERM stop the drills: the one cut short raises `DrillInterrupted`, with no verdict.
"""

from __future__ import annotations

import logging
import tempfile
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from pathlib import Path

from bot.app.errors import CommandError
from bot.drill import DRILLS, Drill, DrillResult
from bot.drill.harness import DrillInterrupted as DrillInterrupted  # for the CLI

DEFAULT_SEED = 7  # the seed the pinned fingerprints are for (tests/unit/drill/test_drill_command.py)


def select(names: Sequence[str]) -> list[Drill]:
    """The drills named (`all`: every one, in catalogue order). Raises CommandError for an
    unknown name, listing the known ones."""
    if not names or "all" in names:
        return list(DRILLS)
    by_name = {d.name: d for d in DRILLS}
    unknown = [n for n in names if n not in by_name]
    if unknown:
        raise CommandError(f"unknown drill {', '.join(unknown)}: choose from {', '.join(by_name)} or all")
    return [by_name[n] for n in dict.fromkeys(names)]


def run_drills(
    drills: Sequence[Drill],
    *,
    seed: int,
    out: Path | None,
    overrides: Mapping[str, object],
    verbose: bool,
    on_start: Callable[[Drill], None] = lambda drill: None,
    on_result: Callable[[DrillResult], None] = lambda result: None,
) -> list[DrillResult]:
    level = {"observability.log_level": "INFO" if verbose else "CRITICAL"}
    results = []
    with _workdir(out) as root, _logging_restored():
        taken = [str(root / d.name) for d in drills if (root / d.name).exists()]
        if taken:
            raise CommandError(
                f"{', '.join(taken)} exist: a drill writes fresh ledgers; choose another --out"
            )
        for drill in drills:
            on_start(drill)
            result = drill.run(root / drill.name, seed, {**overrides, **level})
            results.append(result)
            on_result(result)
    return results


@contextmanager
def _logging_restored() -> Iterator[None]:
    root = logging.getLogger()
    level, handlers = root.level, list(root.handlers)
    try:
        yield
    finally:
        root.handlers[:] = handlers
        root.setLevel(level)


@contextmanager
def _workdir(out: Path | None) -> Iterator[Path]:
    if out is not None:
        try:
            out.mkdir(parents=True, exist_ok=True)
        except OSError as error:
            raise CommandError(f"--out {out}: cannot create it: {error.strerror or error}") from error
        yield out
        return
    with tempfile.TemporaryDirectory(prefix="bot-drill-") as folder:
        yield Path(folder)
