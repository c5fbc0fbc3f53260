"""Getting market data from the exchange into replay datasets: `bot replay-download` (candle
history) and `bot replay-capture` (the live ticker and book, step by step)."""

from __future__ import annotations

import json
from datetime import datetime
from decimal import Decimal
from pathlib import Path

import click

from bot.cli.errors import exit_on_known_errors
from bot.cli.options import (
    UTC_TIMES,
    common,
    duration_s,
    parse_assignments,
    spread_bps_option,
    utc_ms,
)


@click.command("replay-download")
@click.argument("out_dir", type=click.Path(path_type=Path, file_okay=False))
@common
@click.option("--symbols", required=True, help="Pairs, comma-separated: BTCTRY,ETHTRY.")
@click.option(
    "--from", "start", type=click.DateTime(formats=UTC_TIMES), required=True,
    help="First bar's UTC time (e.g. 2024-01-01 or 2024-01-01T06:00).",
)  # fmt: skip
@click.option(
    "--to", "end", type=click.DateTime(formats=UTC_TIMES), required=True, help="Bars before this UTC time."
)
@click.option("--step", default="1m", show_default=True, help="Bar length: 1m, 5m, 15m, 30m, 1h, 4h or 1d.")
@click.option(
    "--spread-bps", callback=spread_bps_option, default="5", show_default=True,
    help="Synthetic bid/ask spread around each close.",
)  # fmt: skip
@click.option("--overwrite", is_flag=True, help="Replace an existing dataset in OUT_DIR.")
@click.option("--json", "as_json", is_flag=True, help="Print the summary as JSON.")
def replay_download(
    out_dir: Path,
    config_path: Path | None,
    assignments: tuple[str, ...],
    symbols: str,
    step: str,
    spread_bps: Decimal,
    overwrite: bool,
    as_json: bool,
    **window: datetime,
) -> None:
    """Download BTCTurk's candle history (graph-api klines, from exchange.graph_base_url) for a
    window into a replay dataset: pair rules from the exchange, `last` the close, bid and ask
    modelled around it; reports gaps and duplicates. Exit 0 written, 1 the exchange could not be
    read or has no bars there, 2 bad usage (a window whose --from is not before --to, an unknown
    symbol, an existing dataset without --overwrite)."""
    from bot.app import commands
    from bot.app.download import replay_download as download
    from bot.app.exchange_access import parse_symbols

    with exit_on_known_errors():
        settings = commands.load(config_path, parse_assignments(assignments)).settings
        start, end = utc_ms(window["start"]), utc_ms(window["end"])
        assert start is not None and end is not None  # both options are required
        summary = download(
            settings,
            out_dir,
            symbols=parse_symbols(symbols),
            window=(start, end),
            step_ms=duration_s(step, "--step") * 1000,
            spread_bps=spread_bps,
            overwrite=overwrite,
        )
    click.echo(json.dumps(summary.document(), indent=2) if as_json else summary.text())


@click.command("replay-capture")
@click.argument("out_dir", type=click.Path(path_type=Path, file_okay=False))
@common
@click.option("--duration", required=True, help="How long to capture: 90s, 10m, 2h.")
@click.option(
    "--symbols", default=None, help="Pairs, comma-separated (default: the configured universe.symbols)."
)
@click.option("--step", default="1s", show_default=True, help="One row per symbol per step: 1s, 5s, 1m.")
@click.option("--overwrite", is_flag=True, help="Replace an existing dataset in OUT_DIR.")
@click.option("--json", "as_json", is_flag=True, help="Print the summary as JSON.")
def replay_capture(
    out_dir: Path,
    config_path: Path | None,
    assignments: tuple[str, ...],
    duration: str,
    symbols: str | None,
    step: str,
    overwrite: bool,
    as_json: bool,
) -> None:
    """Record the exchange's market (or the simulator's) into a replay dataset: one row per symbol
    per step, the book's best bid and ask with their quantities, the ticker's last and volume;
    over the WebSocket feed when market_data.feed = "websocket", REST otherwise. Steps without
    fresh data are left out and reported. Ctrl-C or SIGTERM stops it keeping what was captured.
    Exit 0 written, 1 the exchange could not be read or nothing was captured, 2 bad usage."""
    import sys

    from bot.app import commands
    from bot.app.capture import CapturePlan
    from bot.app.capture import replay_capture as capture
    from bot.app.exchange_access import parse_symbols

    with exit_on_known_errors():
        settings = commands.load(config_path, parse_assignments(assignments)).settings
        plan = CapturePlan(
            out_dir=out_dir,
            symbols=parse_symbols(symbols) if symbols else tuple(settings.universe.symbols),
            step_ms=duration_s(step, "--step") * 1000,
            duration_ms=duration_s(duration, "--duration") * 1000,
            overwrite=overwrite,
        )
        progress = sys.stdout if sys.stdout.isatty() and not as_json else None
        summary = capture(settings, plan, progress=progress)
    click.echo(json.dumps(summary.document(), indent=2) if as_json else summary.text())
