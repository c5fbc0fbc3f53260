from __future__ import annotations

import json
from pathlib import Path

import click

from bot.cli.errors import exit_on_known_errors
from bot.cli.options import common, db_option, parse_assignments


def _resolve(config_path: Path | None, assignments: tuple[str, ...], db_path: Path | None) -> Path:
    from bot.app import commands

    path = db_path or commands.load(config_path, parse_assignments(assignments)).settings.store.path
    if not path.exists():
        raise click.ClickException(f"no ledger at {path}; run `bot run` first or pass --db")
    return path


@click.group()
def ledger() -> None:
    """Inspect and verify the SQLite ledger."""


@ledger.command()
@common
@db_option
@click.option("--json", "as_json", is_flag=True, help="One JSON document: ok, events, problems, accounting.")
def verify(
    config_path: Path | None, assignments: tuple[str, ...], db_path: Path | None, as_json: bool
) -> None:
    """Check the hash chain, rebuild projections from events and revalue every portfolio cycle
    (equity, peak, drawdown, daily PnL) from its fills and marks; exit 1 on any difference."""
    from bot.app import ledger_commands

    with exit_on_known_errors():
        document = ledger_commands.ledger_verify_document(_resolve(config_path, assignments, db_path))
    ok = bool(document["ok"])
    if as_json:
        click.echo(json.dumps(document, indent=2))
    else:
        click.echo(ledger_commands.verify_text(document), err=not ok)
    if not ok:
        raise SystemExit(1)


@ledger.command()
@common
@db_option
@click.option("--json", "as_json", is_flag=True, help="One JSON document instead of text.")
@click.option(
    "--view",
    type=click.Choice(["fills", "decisions", "modes", "unknown"]),
    default=None,
    help="One view instead of the overview: fills, decisions by reason code, risk-mode history,"
    " orders of unknown or uncertain outcome.",
)
@click.option("--limit", type=click.IntRange(min=1), default=50, show_default=True, help="Rows of a view.")
def show(
    config_path: Path | None,
    assignments: tuple[str, ...],
    db_path: Path | None,
    as_json: bool,
    view: str | None,
    limit: int,
) -> None:
    """Balances, positions, working orders, the last cycles, the portfolio and the kill switch; or
    one view (--view) of fills, decisions, mode history or unknown orders."""
    from bot.app import ledger_commands

    with exit_on_known_errors():
        path = _resolve(config_path, assignments, db_path)
        if view is not None:
            rows = ledger_commands.ledger_view(path, view, limit)
            click.echo(json.dumps(rows, indent=2) if as_json else _table(view, rows))
        elif as_json:
            click.echo(json.dumps(ledger_commands.ledger_show_document(path), indent=2))
        else:
            click.echo(ledger_commands.ledger_show(path))


def _table(view: str, rows: list[dict[str, object]]) -> str:
    if not rows:
        return f"{view}: none"
    from io import StringIO

    from rich.console import Console
    from rich.table import Table

    table = Table(title=f"{view} ({len(rows)})", title_justify="left")
    for column in rows[0]:
        table.add_column(column, overflow="fold")
    for row in rows:
        table.add_row(*("" if value is None else str(value) for value in row.values()))
    out = StringIO()
    Console(file=out, width=200, highlight=False).print(table)
    return out.getvalue().rstrip()


@ledger.command()
@common
@db_option
def init(config_path: Path | None, assignments: tuple[str, ...], db_path: Path | None) -> None:
    """Start a new, empty ledger on purpose. Refuses any existing file at the path (even an empty
    one): move it away first. A run creates a ledger by itself only where nothing ever was."""
    from bot.app import commands, ledger_commands

    with exit_on_known_errors():
        path = db_path or commands.load(config_path, parse_assignments(assignments)).settings.store.path
        click.echo(ledger_commands.ledger_init(path))
