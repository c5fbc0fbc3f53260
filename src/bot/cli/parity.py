"""`bot parity LEDGER_A LEDGER_B`: did two runs decide and trade the same (`bot.store.parity`)?"""

from __future__ import annotations

import json
from pathlib import Path

import click

from bot.cli.errors import exit_on_known_errors


@click.command()
@click.argument("ledger_a", type=click.Path(path_type=Path, dir_okay=False))
@click.argument("ledger_b", type=click.Path(path_type=Path, dir_okay=False))
@click.option(
    "--json", "as_json", is_flag=True, help="One JSON document: both fingerprints and the divergence."
)
def parity(ledger_a: Path, ledger_b: Path, as_json: bool) -> None:
    """Compare two ledgers' fingerprints: a hash over their decisions, orders, fills and mode
    transitions, cycle by cycle, without times, ledger ids or exchange-assigned ids. Exit 0 when
    they match, 1 naming the first cycle where they part and what differs there, 4 when a
    ledger cannot be read."""
    from bot.app.ledger_commands import parity_document

    with exit_on_known_errors():
        document = parity_document(ledger_a, ledger_b)
    if as_json:
        click.echo(json.dumps(document, indent=2))
    else:
        a, b = document["a"], document["b"]
        assert isinstance(a, dict) and isinstance(b, dict)
        click.echo(f"A {a['fingerprint']}  {a['cycles']} cycles  {a['ledger']}")
        click.echo(f"B {b['fingerprint']}  {b['cycles']} cycles  {b['ledger']}")
        click.echo(
            "identical decisions, orders, fills and transitions"
            if document["equal"]
            else str(document["detail"])
        )
    raise SystemExit(0 if document["equal"] else 1)
