from __future__ import annotations

import json
from pathlib import Path

import click

from bot.cli.errors import exit_on_known_errors
from bot.cli.options import common, parse_assignments


@click.group()
def config() -> None:
    """Inspect and validate the configuration."""


@config.command()
@common
@click.option("--json", "as_json", is_flag=True, help="{profile, settings: {key: {value, source}}} as JSON.")
def show(config_path: Path | None, assignments: tuple[str, ...], as_json: bool) -> None:
    """Print the effective configuration (secrets redacted) with where each value came from."""
    from bot.app import commands
    from bot.config import render_settings
    from bot.config.render import settings_document

    with exit_on_known_errors():
        loaded = commands.load(config_path, parse_assignments(assignments))
    if as_json:
        click.echo(json.dumps(settings_document(loaded), indent=2))
    else:
        click.echo(render_settings(loaded))


@config.command()
@common
def check(config_path: Path | None, assignments: tuple[str, ...]) -> None:
    """Validate the configuration; exit 2 naming every problem. Warns (exit 0) when the cadence
    asks more reads of an endpoint than the exchange's rate limits allow, with the shortest cycle
    that fits."""
    from bot.app import commands
    from bot.app.read_budget import cadence_warnings

    with exit_on_known_errors():
        loaded = commands.load(config_path, parse_assignments(assignments))
    click.echo(f"configuration OK (mode {loaded.settings.mode}, adapter {loaded.settings.exchange.adapter})")
    for warning in cadence_warnings(loaded.settings):
        click.echo(f"warning: {warning}; the client's own limiter would abandon cycles (degraded)")
