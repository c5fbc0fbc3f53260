"""`bot doctor`: the health report (`bot.app.doctor`), as a table or as one JSON document."""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING

import click

from bot.cli.errors import exit_on_known_errors
from bot.cli.options import common, duration_option, parse_assignments

if TYPE_CHECKING:
    from bot.app.doctor import DoctorReport

_STYLE = {"fail": "bold red", "warn": "yellow", "pass": "green", "no_data": "dim", "skip": "dim"}


@click.command()
@common
@click.option(
    "--db",
    "db_path",
    type=click.Path(path_type=Path, dir_okay=False),
    default=None,
    help="Ledger file (default: store.path); the configuration still sets the thresholds.",
)
@click.option(
    "--window",
    "window",
    default=None,
    metavar="DURATION",
    callback=duration_option,
    help="How far back the SLOs look: 90s, 30m, 1h, 2d (default: slo.window_s, 1h).",
)
@click.option(
    "--full", is_flag=True, help="Verify the whole ledger (`bot ledger verify`), not only the fast check."
)
@click.option("--strict", is_flag=True, help="Exit 1 on warnings too.")
@click.option("--no-exchange", is_flag=True, help="Do not ask the exchange (clock, symbols, keys).")
@click.option("--json", "as_json", is_flag=True, help="One JSON document (schema bot-doctor/1) on stdout.")
def doctor(
    config_path: Path | None,
    assignments: tuple[str, ...],
    db_path: Path | None,
    window: int | None,
    full: bool,
    strict: bool,
    no_exchange: bool,
    as_json: bool,
) -> None:
    """Is this bot healthy? Every SLO over a window, the ledger's integrity, unknown orders, frozen
    symbols, the kill switch and risk mode, the exchange, the metrics port and the disk. Read-only:
    safe beside a running daemon. Exit 0 healthy, 1 a check fails (or warns, with --strict),
    2 bad usage or configuration, 4 the ledger cannot be used."""
    from bot.app import commands
    from bot.app.doctor import run_doctor

    overrides = parse_assignments(assignments)
    if db_path is not None:
        overrides["store.path"] = str(db_path)
    with exit_on_known_errors():
        settings = commands.load(config_path, overrides).settings
        report = run_doctor(settings, window_s=window, full=full, exchange=not no_exchange)
    if as_json:
        click.echo(json.dumps(report.as_json(), indent=2, sort_keys=False))
    else:
        render(report, strict=strict)
    raise SystemExit(report.exit_code(strict=strict))


def _shown(number: object, unit: str) -> str:
    if number is None:
        return ""
    if unit == "bytes" and isinstance(number, int):
        return f"{number / 1024**3:.2f} GiB"
    return f"{number} {unit}" if unit not in ("", "ratio", "count") else str(number)


def _terminal() -> bool:
    import sys

    return sys.stdout.isatty()


def render(report: DoctorReport, *, strict: bool) -> None:
    from rich.console import Console
    from rich.table import Table

    console = Console(highlight=False, soft_wrap=False, width=None if _terminal() else 160)
    table = Table(title=f"bot doctor: {report.ledger}, SLO window {report.window_s} s", title_justify="left")
    for column in ("status", "check", "value", "threshold", "detail"):
        table.add_column(column, overflow="fold")
    for finding in report.ordered():
        value, threshold = _shown(finding.value, finding.unit), _shown(finding.threshold, finding.unit)
        read = finding.runbook is not None and finding.status in ("fail", "warn")
        detail = finding.detail + (f"\n→ {finding.runbook}" if read else "")
        table.add_row(
            f"[{_STYLE[finding.status]}]{finding.status.upper()}[/]", finding.name, value, threshold, detail
        )
    console.print(table)
    failing = report.failing(strict=strict)
    verdict = "healthy" if not failing else f"{len(failing)} check(s) {'fail or warn' if strict else 'fail'}"
    console.print(f"verdict: {verdict}")
