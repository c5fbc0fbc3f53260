"""`bot backtest`: a stage over a replay dataset into a fresh ledger, and its report."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import click

from bot.cli.errors import exit_on_known_errors
from bot.cli.options import common, parse_assignments


@click.command()
@common
@click.option("--stage", type=click.Choice(["3", "4", "7"]), default="7", show_default=True)
@click.option(
    "--dataset", type=click.Path(path_type=Path, file_okay=False), default=Path("replays/synthetic"),
    show_default=True, help="The replay dataset (`bot replay-import` or `bot replay-init` make one).",
)  # fmt: skip
@click.option(
    "--out", type=click.Path(path_type=Path, file_okay=False), default=None,
    help="Folder for the ledger and the report (default var/backtests/stage<N>-<dataset>-<time>).",
)  # fmt: skip
@click.option("--json", "as_json", is_flag=True, help="Print report.json instead of the summary.")
@click.option("-v", "--verbose", is_flag=True, help="Full logs on stderr (default: warnings and above).")
def backtest(
    config_path: Path | None,
    assignments: tuple[str, ...],
    stage: str,
    dataset: Path,
    out: Path | None,
    as_json: bool,
    verbose: bool,
) -> None:
    """Run stage 3, 4 or 7 in paper mode over a replay dataset (the daemon's own cycle, no second
    engine) into a fresh ledger, then report: cycles, trades, round trips and win rate, PnL, fees,
    return against buy and hold, drawdown, Sharpe and Sortino per period, exposure, turnover, per
    symbol, decisions by reason code, mode transitions and the parity fingerprint, every money
    figure checked against `bot ledger verify`. Writes report.json, trades.csv, equity.csv and
    (with plotly) report.html. Exit 0 when the ledger verifies, 1 when it does not."""
    import time

    from bot.app.backtest import backtest_settings, run_backtest

    folder = out or Path("var/backtests") / f"stage{stage}-{dataset.name}-{time.strftime('%Y%m%d-%H%M%S')}"
    with exit_on_known_errors():
        settings = backtest_settings(
            config_path, parse_assignments(assignments), dataset=dataset, out=folder, verbose=verbose
        )
        outcome = run_backtest(settings, stage, out=folder, progress=not as_json and sys.stdout.isatty())
    if as_json:
        click.echo(json.dumps(outcome.report, indent=2))
    else:
        click.echo(summary(outcome.report))
        click.echo(f"files: {folder}/report.json, trades.csv, equity.csv", nl=False)
        click.echo(
            ", report.html" if outcome.html else "\n(report.html needs plotly: pip install 'bot[report]')"
        )
        if outcome.html:
            click.echo("")
    verify = outcome.report["verify"]
    raise SystemExit(0 if isinstance(verify, dict) and verify["ok"] else 1)


def summary(report: dict[str, object]) -> str:
    cycles, trades = report["cycles"], report["trades"]
    assert isinstance(cycles, dict) and isinstance(trades, dict)
    lines = [
        f"stage {report['stage']} over {report['dataset']}: {cycles['total']} cycles"
        f" ({cycles['ok']} ok, {cycles['degraded']} degraded, {cycles['failed']} failed)"
        f" in {report['wall_s']} s, {report['cycles_per_s']} cycles/s",
        f"trades: {trades['fills']} fills ({trades['buys']} buys, {trades['sells']} sells),"
        f" {trades['round_trips']} round trips, win rate {_pct(trades['win_rate'])},"
        f" fees and taxes {_money(trades['fees_and_taxes'])}",
    ]
    equity = report.get("equity")
    if isinstance(equity, dict):
        lines.append(
            f"equity {_money(equity['first'])} -> {_money(equity['last'])} {equity['quote_asset']}:"
            f" return {_pct(equity.get('total_return'))}"
            f" (buy and hold {_pct(equity.get('buy_and_hold_return'))}),"
            f" max drawdown {_pct(equity.get('max_drawdown'))}"
            f" over {equity.get('max_drawdown_cycles')} cycles,"
            f" realised PnL {_money(equity['realised_pnl'])}"
        )
        lines.append(
            f"per {equity.get('period_ms')} ms period: Sharpe {_num(equity.get('sharpe_per_period'))},"
            f" Sortino {_num(equity.get('sortino_per_period'))}; exposure {_pct(equity.get('exposure'))},"
            f" turnover {_num(equity.get('turnover'))}"
        )
    decisions = report.get("decisions")
    if isinstance(decisions, list) and decisions:
        top = ", ".join(f"{d['verdict']} {d['reason_code']} {d['count']}" for d in decisions[:5])
        lines.append(f"decisions (most frequent): {top}")
    modes = report.get("mode_transitions")
    lines.append(f"mode transitions: {len(modes) if isinstance(modes, list) else 0}")
    verify = report["verify"]
    assert isinstance(verify, dict)
    checked = "ledger verify OK" if verify["ok"] else f"ledger verify FAILED: {verify['problems']}"
    if verify.get("figures_match") is not None:
        checked += (
            "; equity and realised PnL equal its recomputation from the fills"
            if verify["figures_match"]
            else "; figures DIFFER from its recomputation"
        )
    lines.append(checked)
    lines.append(f"fingerprint {report['fingerprint']}")
    return "\n".join(lines)


def _money(value: object) -> str:
    from decimal import Decimal

    return f"{Decimal(str(value)):,.2f}"


def _pct(value: object) -> str:
    return "-" if value is None else f"{float(str(value)):.2%}"


def _num(value: object) -> str:
    return "-" if value is None else f"{float(str(value)):.3f}"
