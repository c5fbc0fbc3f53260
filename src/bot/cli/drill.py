"""`bot drill list`, `bot drill run NAME|all`: deterministic failure drills (runbooks/drills.md)."""

from __future__ import annotations

import json
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING

import click

if TYPE_CHECKING:
    from bot.drill import DrillResult

from bot.cli.errors import exit_on_known_errors
from bot.cli.options import parse_assignments, set_option


@click.group()
def drill() -> None:
    """Deterministic failure drills: the daemon against an in-process simulator with faults."""


@drill.command("list")
@click.option("--json", "as_json", is_flag=True, help="The drills as JSON.")
def drill_list(as_json: bool) -> None:
    """The drills and what each proves."""
    from bot.drill import DRILLS

    if as_json:
        click.echo(json.dumps([{"drill": d.name, "proves": d.proves} for d in DRILLS], indent=2))
        return
    width = max(len(d.name) for d in DRILLS)
    for d in DRILLS:
        click.echo(f"{d.name:<{width}}  {d.proves}")


@drill.command("run")
@click.argument("names", nargs=-1, required=True)
@click.option(
    "--seed", type=int, default=None, help="The fault draws' seed (default 7: the pinned fingerprints)."
)
@click.option(
    "--out",
    type=click.Path(path_type=Path, file_okay=False),
    default=None,
    help="Keep each drill's ledger here.",
)
@set_option
@click.option(
    "--json", "as_json", is_flag=True, help="One JSON document: every drill's checks and fingerprint."
)
@click.option("-v", "--verbose", is_flag=True, help="The daemon's logs on stderr (quiet by default).")
def drill_run(
    names: tuple[str, ...],
    seed: int | None,
    out: Path | None,
    assignments: tuple[str, ...],
    as_json: bool,
    verbose: bool,
) -> None:
    """Run drills by name, or `all`: a table of drill, expected, observed, pass/fail and the
    ledger's parity fingerprint. Exit 0 when every check passes, 1 when any fails, 2 for bad usage,
    130 when SIGINT or SIGTERM cut a drill short."""
    from bot.app.drills import DEFAULT_SEED, run_drills, select
    from bot.drill import Drill

    started = time.perf_counter()

    def on_start(d: Drill) -> None:
        if not as_json:
            click.echo(f"running {d.name}: {d.proves}", err=True)

    def on_result(result: DrillResult) -> None:
        if not as_json:
            verdict = "pass" if result.ok else "FAIL"
            click.echo(f"  {verdict}: {result.cycles} cycles in {result.wall_s} s", err=True)

    with exit_on_known_errors(), _interrupt_exits():
        chosen = select(names)
        results = run_drills(
            chosen,
            seed=DEFAULT_SEED if seed is None else seed,
            out=out,
            overrides=parse_assignments(assignments),
            verbose=verbose,
            on_start=on_start,
            on_result=on_result,
        )
    failed = [r.name for r in results if not r.ok]
    wall_s = round(time.perf_counter() - started, 1)
    if as_json:
        document = {"ok": not failed, "wall_s": wall_s, "drills": [r.as_json() for r in results]}
        click.echo(json.dumps(document, indent=2))
    else:
        _table(results)
        passed = len(results) - len(failed)
        click.echo(
            f"{len(results)} drills: {passed} passed, {len(failed)} failed"
            + (f" ({', '.join(failed)})" if failed else "")
            + f" in {wall_s} s"
        )
    raise SystemExit(1 if failed else 0)


@contextmanager
def _interrupt_exits() -> Iterator[None]:
    """A drill cut short by SIGINT/SIGTERM has no verdict: say so, exit 130."""
    from bot.app.drills import DrillInterrupted

    try:
        yield
    except DrillInterrupted as stop:
        click.echo(f"error: drills {stop}: no verdict for the drill it cut short or those after it", err=True)
        raise SystemExit(130) from None


def _table(results: list[DrillResult]) -> None:
    from rich.console import Console
    from rich.table import Table

    table = Table(show_lines=False)
    for column in ("drill", "expected", "observed", "ok", "fingerprint"):
        table.add_column(column, overflow="fold")
    for result in results:
        for index, check in enumerate(result.checks):
            first = index == 0
            table.add_row(
                result.name if first else "",
                check.expected,
                check.observed,
                "pass" if check.ok else "FAIL",
                result.fingerprint[:16] if first else "",
            )
        table.add_section()
    Console(width=None if sys.stdout.isatty() else 200).print(table)
