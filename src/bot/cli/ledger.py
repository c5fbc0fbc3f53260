from __future__ import annotations

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
def verify(config_path: Path | None, assignments: tuple[str, ...], db_path: Path | None) -> None:
    """Check the hash chain, rebuild projections from events and revalue every portfolio cycle
    (equity, peak, drawdown, daily PnL) from its fills and marks; exit 1 on any difference."""
    from bot.app import commands

    with exit_on_known_errors():
        ok, text = commands.ledger_verify(_resolve(config_path, assignments, db_path))
    click.echo(text, err=not ok)
    if not ok:
        raise SystemExit(1)


@ledger.command()
@common
@db_option
def show(config_path: Path | None, assignments: tuple[str, ...], db_path: Path | None) -> None:
    """Balances, positions, working orders and the last cycles."""
    from bot.app import commands

    with exit_on_known_errors():
        click.echo(commands.ledger_show(_resolve(config_path, assignments, db_path)))


@ledger.command()
@common
@db_option
def init(config_path: Path | None, assignments: tuple[str, ...], db_path: Path | None) -> None:
    """Start a new, empty ledger on purpose. Refuses any existing file at the path (even an empty
    one): move it away first. A run creates a ledger by itself only where nothing ever was."""
    from bot.app import commands

    with exit_on_known_errors():
        path = db_path or commands.load(config_path, parse_assignments(assignments)).settings.store.path
        click.echo(commands.ledger_init(path))
