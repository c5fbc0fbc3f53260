from __future__ import annotations

import json
from pathlib import Path

import click

from bot.cli.errors import exit_on_known_errors
from bot.cli.options import common, db_option, duration_option, parse_assignments


@click.command("kill-switch")
@common
@click.argument("action", type=click.Choice(["on", "off", "status"]))
@click.option("--reason", help="Why (required for on and off; recorded in the ledger and the log).")
@click.option(
    "--expires-in", callback=duration_option, help="With `on`: lapse after this long (90s, 30m, 2h, 1d)."
)
@db_option
@click.option("--json", "as_json", is_flag=True, help="The switch after the action, as one JSON object.")
def kill_switch(
    config_path: Path | None,
    assignments: tuple[str, ...],
    action: str,
    reason: str | None,
    expires_in: float | None,
    db_path: Path | None,
    as_json: bool,
) -> None:
    """Trip, clear or show the latched kill switch (no new orders while it is on; cancels still go).

    It is kept in the ledger, so it holds across restarts until cleared here, and it can be
    changed while the daemon runs: the next cycle obeys it. With --db it needs no configuration,
    so it works even when the configuration does not load.
    """
    if action in ("on", "off") and not (reason and reason.strip()):
        raise click.UsageError(f"`kill-switch {action}` needs --reason: it is recorded with the change")
    if expires_in is not None and action != "on":
        raise click.UsageError("--expires-in only goes with `on`")
    from bot.app import commands
    from bot.app.operator import kill_switch as kill_switch_command
    from bot.app.operator import kill_switch_document

    with exit_on_known_errors():
        if db_path is not None:
            settings = commands.settings_for_ledger(db_path)
        else:
            settings = commands.load(config_path, parse_assignments(assignments)).settings
        if as_json:
            click.echo(json.dumps(kill_switch_document(settings, action, reason, expires_in), indent=2))
        else:
            click.echo(kill_switch_command(settings, action, reason, expires_in))
