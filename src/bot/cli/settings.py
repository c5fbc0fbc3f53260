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
@click.option(
    "--json", "as_json", is_flag=True, help="{ok, mode, adapter, warnings} or {ok, problems} as JSON."
)
def check(config_path: Path | None, assignments: tuple[str, ...], as_json: bool) -> None:
    """Validate the configuration, and the replay dataset it names; exit 2 naming every problem
    (with --json, also as {"ok": false, "problems": [...]}). Warns (exit 0) when the cadence asks
    more reads of an endpoint than the exchange's rate limits allow, when a spending limit exceeds
    the paper account's seed, and when a replay's step outruns the data-age limits or the sample
    gap."""
    from bot.app import commands
    from bot.app.read_budget import cadence_warnings
    from bot.app.setting_cautions import dataset_problem, setting_cautions
    from bot.config import ConfigError

    overrides = parse_assignments(assignments)
    if as_json:
        try:
            loaded = commands.load(config_path, overrides)
        except ConfigError as error:
            click.echo(json.dumps({"ok": False, "problems": list(error.problems)}, indent=2))
            raise SystemExit(2) from None
    else:
        with exit_on_known_errors():
            loaded = commands.load(config_path, overrides)
    settings = loaded.settings
    problem = dataset_problem(settings)
    if problem is not None:
        if as_json:
            click.echo(json.dumps({"ok": False, "problems": [problem]}, indent=2))
        else:
            click.echo(f"error: invalid configuration: {problem}", err=True)
        raise SystemExit(2)
    warnings = [
        f"{warning}; the client's own limiter would abandon cycles (degraded)"
        for warning in cadence_warnings(settings)
    ]
    warnings += setting_cautions(settings)
    if as_json:
        adapter = settings.exchange.adapter
        document = {"ok": True, "mode": settings.mode, "adapter": adapter, "warnings": warnings}
        click.echo(json.dumps(document, indent=2))
        return
    click.echo(f"configuration OK (mode {settings.mode}, adapter {settings.exchange.adapter})")
    for warning in warnings:
        click.echo(f"warning: {warning}")
