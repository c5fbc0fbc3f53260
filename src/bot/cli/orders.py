from __future__ import annotations

from pathlib import Path

import click

from bot.cli.errors import exit_on_known_errors
from bot.cli.options import common, parse_assignments


@click.group()
def orders() -> None:
    """Operator actions on orders (see runbooks/unknown-order.md)."""


@orders.command("settle-not-placed")
@common
@click.argument("client_order_id")
@click.option("--reason", required=True, help="Why you are sure (recorded in the ledger).")
def settle_not_placed(
    config_path: Path | None, assignments: tuple[str, ...], client_order_id: str, reason: str
) -> None:
    """Settle an UNKNOWN order as never placed, after one last lookup on the exchange."""
    from bot.app import commands
    from bot.app.operator import settle_unknown_order

    with exit_on_known_errors():
        settings = commands.load(config_path, parse_assignments(assignments)).settings
        click.echo(settle_unknown_order(settings, client_order_id, reason))
