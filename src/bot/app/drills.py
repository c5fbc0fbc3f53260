"""`bot drill list` and `bot drill run NAME|all`: the failure drills (`bot.drill`) by name.

A drill's ledgers go to `out/<drill>/` when the operator asks to keep them (`--out`), else to a
temporary folder removed afterwards. Logs are quiet (critical only) unless `verbose`: a drill
provokes errors on purpose, and its verdict is the table, not the log.
"""

from __future__ import annotations

import tempfile
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from pathlib import Path

from bot.app.errors import CommandError
from bot.drill import DRILLS, Drill, DrillResult

DEFAULT_SEED = 7  # the seed the pinned fingerprints are for (tests/unit/drill/test_fingerprints.py)


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
    quiet = {} if verbose else {"observability.log_level": "CRITICAL"}
    results = []
    with _workdir(out) as root:
        for drill in drills:
            target = root / drill.name
            if target.exists():
                raise CommandError(f"{target} exists: a drill writes fresh ledgers; choose another --out")
            on_start(drill)
            result = drill.run(target, seed, {**quiet, **overrides})
            results.append(result)
            on_result(result)
    return results


@contextmanager
def _workdir(out: Path | None) -> Iterator[Path]:
    if out is not None:
        out.mkdir(parents=True, exist_ok=True)
        yield out
        return
    with tempfile.TemporaryDirectory(prefix="bot-drill-") as folder:
        yield Path(folder)
