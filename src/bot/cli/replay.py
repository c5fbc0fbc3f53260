from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from pathlib import Path

import click

from bot.cli.errors import exit_on_known_errors
from bot.cli.options import duration_s, positive_decimal, spread_bps_option, utc_ms


@click.command("replay-init")
@click.argument("out_dir", type=click.Path(path_type=Path, file_okay=False))
@click.option("--seed", type=int, default=7, show_default=True)
@click.option("--steps", type=click.IntRange(min=2), default=1440, show_default=True)
@click.option("--step-ms", type=click.IntRange(min=1000), default=60_000, show_default=True)
@click.option(
    "--symbol", "symbols", multiple=True, help="Pair to include (repeatable; default: all built-in pairs)."
)
@click.option("--overwrite", is_flag=True, help="Replace an existing dataset in OUT_DIR.")
def replay_init(
    out_dir: Path, seed: int, steps: int, step_ms: int, symbols: tuple[str, ...], overwrite: bool
) -> None:
    """Write a seeded synthetic multi-symbol dataset (realistic volatility and spreads)."""
    from bot.app.replays import replay_init as do_init

    with exit_on_known_errors():
        click.echo(
            do_init(out_dir, seed=seed, steps=steps, step_ms=step_ms, symbols=symbols, overwrite=overwrite)
        )


@click.command("replay-import")
@click.argument("csv_path", type=click.Path(path_type=Path, dir_okay=False, exists=True))
@click.argument("out_dir", type=click.Path(path_type=Path, file_okay=False))
@click.option(
    "--symbol", default="BTCTRY", show_default=True, help="Pair name in the dataset (any pair: XRPETH)."
)
@click.option(
    "--quote",
    default=None,
    help="The symbol's quote asset, when it is not a common one (TRY, USDT, ETH, ...).",
)
@click.option(
    "--price-scale-factor",
    callback=positive_decimal,
    default=None,
    help="Multiply prices (e.g. USD to TRY); default 35 for a TRY pair, 1 otherwise.",
)
@click.option(
    "--spread-bps",
    callback=spread_bps_option,
    default="5",
    show_default=True,
    help="Synthetic bid/ask spread around the close.",
)
@click.option(
    "--from",
    "start",
    type=click.DateTime(),
    default=None,
    help="Keep bars from this UTC time (e.g. 2022-01-17).",
)
@click.option("--to", "end", type=click.DateTime(), default=None, help="Keep bars before this UTC time.")
@click.option("--overwrite", is_flag=True, help="Replace an existing dataset in OUT_DIR.")
@click.option(
    "--step", "step", default="1m", show_default=True,
    help="For a trade tape: the bar its trades are aggregated into (30s, 1m, 5m, 1h).",
)  # fmt: skip
@click.option(
    "--spike-ratio", callback=positive_decimal, default="0.5", show_default=True,
    help="Flag a bar whose close is this far (0.5 = 50%) from both neighbours' closes.",
)  # fmt: skip
@click.option("--drop-spikes", is_flag=True, help="Leave flagged spikes out (they become gaps).")
def replay_import(  # noqa: PLR0913 - one parameter per option, as click passes them
    csv_path: Path,
    out_dir: Path,
    symbol: str,
    quote: str | None,
    price_scale_factor: Decimal | None,
    spread_bps: Decimal,
    overwrite: bool,
    step: str,
    spike_ratio: Decimal,
    drop_spikes: bool,
    **window: datetime | None,
) -> None:
    """Turn a real OHLCV CSV (timestamp,open,high,low,close,volume; ISO or epoch s/ms timestamps)
    or a trade tape into a dataset for any pair, prices kept to the precision the data carries;
    drop duplicates, report gaps and flag spikes."""
    from bot.app.replays import SpikeRule
    from bot.app.replays import replay_import as do_import

    with exit_on_known_errors():
        click.echo(
            do_import(
                csv_path,
                out_dir,
                symbol=symbol,
                quote=quote,
                price_scale_factor=price_scale_factor,
                spread_bps=spread_bps,
                window=(utc_ms(window["start"]), utc_ms(window["end"])),
                overwrite=overwrite,
                spikes=SpikeRule(ratio=spike_ratio, drop=drop_spikes),
                tape_step_ms=duration_s(step, "--step") * 1000,
            )
        )
