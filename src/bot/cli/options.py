"""Options shared by several commands."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import click

config_option = click.option(
    "--config",
    "config_path",
    type=click.Path(path_type=Path, dir_okay=False),
    default=None,
    help="TOML profile (default: $BOT_CONFIG, else built-in paper defaults).",
)
set_option = click.option(
    "--set",
    "assignments",
    multiple=True,
    metavar="KEY=VALUE",
    help="Override one setting, e.g. --set risk.max_orders_per_cycle=2 (repeatable).",
)


def parse_assignments(assignments: tuple[str, ...]) -> dict[str, object]:
    overrides: dict[str, object] = {}
    for item in assignments:
        key, sep, value = item.partition("=")
        if not sep or not key.strip():
            raise click.BadParameter(
                f"{item!r}: expected KEY=VALUE, e.g. risk.max_orders_per_cycle=2", param_hint="--set"
            )
        overrides[key.strip()] = value
    return overrides


def common(func: Callable[..., Any]) -> Callable[..., Any]:
    return config_option(set_option(func))


db_option = click.option(
    "--db",
    "db_path",
    type=click.Path(path_type=Path, dir_okay=False),
    default=None,
    help="Ledger file (default: store.path). Given, the configuration is not read.",
)
