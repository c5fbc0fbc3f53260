from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import click

from bot.cli.errors import exit_on_known_errors
from bot.cli.options import common, parse_assignments


def _run_options(command: Callable[..., None]) -> Callable[..., None]:
    options = [
        common,
        click.option(
            "--once", "mode", flag_value="once", default=True, help="Run one cycle and exit (default)."
        ),
        click.option("--loop", "mode", flag_value="loop", help="Run cycles until stopped or --max-cycles."),
        click.option(
            "--max-cycles", type=click.IntRange(min=0), default=None, help="Stop after N cycles (0: never)."
        ),
        click.option(
            "--cycle-seconds", type=click.FloatRange(min=0, min_open=True), default=None, help="Cycle period."
        ),
        click.option(
            "--json", "as_json", is_flag=True, help="End with the run's summary as one JSON object."
        ),
        click.option(
            "--i-mean-the-real-exchange",
            "real_exchange",
            is_flag=True,
            help="Required, with live arming in the config, to trade live on api.btcturk.com.",
        ),
    ]
    for option in reversed(options):
        command = option(command)
    return command


def _stage_command(name: str, stage: str, summary: str) -> click.Command:
    def command(
        config_path: Path | None,
        assignments: tuple[str, ...],
        mode: str,
        max_cycles: int | None,
        cycle_seconds: float | None,
        as_json: bool,
        real_exchange: bool,
    ) -> None:
        _run_stage(stage, config_path, assignments, mode, (max_cycles, cycle_seconds), as_json, real_exchange)

    command.__doc__ = summary
    return click.command(name)(_run_options(command))


run = _stage_command("run", "3", "Stage 3: fixed symbols, profit-aware entries and exits, per-intent caps.")
stage4_run = _stage_command(
    "stage4-run",
    "4",
    "Stage 4: dynamic universe, strategies and allocation, portfolio caps and stops, anomaly"
    " degrade levels, self-financing capital.",
)
stage7_run = _stage_command(
    "stage7-run",
    "7",
    "Stage 7: stage 4 plus risk-budget modes (NORMAL, REDUCE, OBSERVE) and volatility halving.",
)


def _run_stage(
    stage: str,
    config_path: Path | None,
    assignments: tuple[str, ...],
    mode: str,
    cadence: tuple[int | None, float | None],
    as_json: bool,
    real_exchange: bool,
) -> None:
    import json

    max_cycles, cycle_seconds = cadence
    from bot.app import commands

    with exit_on_known_errors():
        loaded = commands.load(config_path, parse_assignments(assignments))
        settings = loaded.settings
        commands.check_live_target(settings, real_exchange)
        outcome = commands.run_stage(
            settings,
            stage,
            loop=mode == "loop",
            max_cycles=settings.loop.max_cycles if max_cycles is None else max_cycles,
            cycle_seconds=settings.loop.cycle_seconds if cycle_seconds is None else cycle_seconds,
            status_line=not as_json,
        )
    if as_json:
        document = {
            **outcome.cycles.document(),
            "stage": stage,
            "ledger": str(settings.store.path),
            "metrics_port": outcome.metrics_port,
            "unresolved_orders": outcome.unresolved_orders,
        }
        click.echo(json.dumps(document, indent=2))
    else:
        click.echo(f"{outcome.cycles.summary()}; ledger {settings.store.path}")
    if outcome.unresolved_orders:
        click.echo(
            f"warning: {outcome.unresolved_orders} orders with unknown outcome; "
            "see runbooks/unknown-order.md",
            err=True,
        )
