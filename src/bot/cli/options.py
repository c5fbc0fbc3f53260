"""Options shared by several commands."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import UTC, datetime
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

import click

config_option = click.option(
    "-c",
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


_DURATION = re.compile(r"(\d+)([smhd])")
_UNIT_S = {"s": 1, "m": 60, "h": 3600, "d": 86400}


def duration_s(text: str, param_hint: str) -> int:
    """`90s`, `30m`, `2h`, `1d` -> seconds. Raises click.BadParameter (exit 2) otherwise."""
    match = _DURATION.fullmatch(text.strip())
    if match is None or int(match.group(1)) == 0:
        raise click.BadParameter(
            f"{text!r}: expected a positive duration like 90s, 30m, 2h or 1d", param_hint=param_hint
        )
    return int(match.group(1)) * _UNIT_S[match.group(2)]


def duration_option(_ctx: click.Context, param: click.Parameter, value: str | None) -> int | None:
    """A click callback: the option's duration in seconds, None when not given."""
    return None if value is None else duration_s(value, f"--{param.name}".replace("_", "-"))


def utc_ms(moment: datetime | None) -> int | None:
    """A naive command-line time is UTC: epoch milliseconds."""
    return None if moment is None else int(moment.replace(tzinfo=UTC).timestamp() * 1000)


def positive_decimal(_ctx: click.Context, param: click.Parameter, value: str | None) -> Decimal | None:
    """A click callback: the option as a Decimal above 0, None when not given."""
    if value is None:
        return None
    try:
        parsed = Decimal(value)
    except InvalidOperation as e:
        raise click.BadParameter(f"{value!r} is not a number") from e
    if not parsed.is_finite() or parsed <= 0:
        raise click.BadParameter("must be a number above 0")
    return parsed


UTC_TIMES = ["%Y-%m-%d", "%Y-%m-%dT%H:%M", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%d %H:%M", "%Y-%m-%d %H:%M:%S"]
"""The forms a command-line UTC time takes (click.DateTime formats)."""


MAX_SPREAD_BPS = Decimal(20_000)  # a half-spread of 100 %: the bid would be zero


def spread_bps_option(ctx: click.Context, param: click.Parameter, value: str | None) -> Decimal | None:
    """A click callback: a modelled spread in basis points, above 0 and below 20000."""
    parsed = positive_decimal(ctx, param, value)
    if parsed is not None and parsed >= MAX_SPREAD_BPS:
        raise click.BadParameter(
            f"must be below {MAX_SPREAD_BPS} bps (a half-spread of 100 % puts the bid at 0)"
        )
    return parsed
