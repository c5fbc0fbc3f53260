"""`bot backtest`: a stage over a replay dataset into a fresh ledger, and its report."""

from __future__ import annotations

import json
import sys
from datetime import datetime
from pathlib import Path

import click

from bot.cli.errors import exit_on_known_errors
from bot.cli.options import UTC_TIMES, common, parse_assignments, utc_ms


class _BacktestGroup(click.Group):
    """`bot backtest [OPTIONS]` runs one; `bot backtest compare A B` compares two reports."""

    def parse_args(self, ctx: click.Context, args: list[str]) -> list[str]:
        if not args or args[0] not in self.commands:
            args = ["run", *args]
        return super().parse_args(ctx, args)


@click.group(cls=_BacktestGroup)
def backtest() -> None:
    """Backtests: `bot backtest [run] [OPTIONS]` runs a stage over a replay dataset and reports;
    `bot backtest compare A B` sets two reports side by side."""


@backtest.command("run")
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
@click.option(
    "--from", "start", type=click.DateTime(formats=UTC_TIMES), default=None,
    help="Replay from this UTC time (e.g. 2024-01-01T06:00).",
)  # fmt: skip
@click.option(
    "--to", "end", type=click.DateTime(formats=UTC_TIMES), default=None,
    help="Replay until this UTC time (exclusive).",
)  # fmt: skip
@click.option("--json", "as_json", is_flag=True, help="Print report.json instead of the summary.")
@click.option("-v", "--verbose", is_flag=True, help="Full logs on stderr (default: warnings and above).")
def run(
    config_path: Path | None,
    assignments: tuple[str, ...],
    stage: str,
    dataset: Path,
    out: Path | None,
    as_json: bool,
    verbose: bool,
    **window: datetime | None,
) -> None:
    """Run stage 3, 4 or 7 in paper mode over a replay dataset (the daemon's own cycle, no second
    engine) into a fresh ledger, then report: cycles, trades, round trips and win rate, PnL, fees,
    return against buy and hold, drawdown, Sharpe and Sortino per period, exposure, turnover, per
    symbol, decisions by reason code, mode transitions and the parity fingerprint, every money
    figure checked against `bot ledger verify`. Writes report.json, trades.csv, equity.csv and
    (with plotly) report.html. Exit 0 when the run covered the whole dataset and its ledger
    verifies, 1 otherwise (an interrupted run still writes its partial report).
    `bot backtest compare A B` sets two reports side by side."""
    import time

    from bot.app.backtest import backtest_settings, run_backtest, window_dataset

    folder = out or Path("var/backtests") / f"stage{stage}-{dataset.name}-{time.strftime('%Y%m%d-%H%M%S')}"
    with exit_on_known_errors():
        if (folder / "ledger.sqlite").exists():  # before a window is written beside it
            from bot.app.errors import CommandError

            raise CommandError(
                f"{folder / 'ledger.sqlite'} exists: a backtest writes a fresh ledger; choose another --out"
            )
        replayed = window_dataset(dataset, folder, utc_ms(window["start"]), utc_ms(window["end"]))
        settings = backtest_settings(
            config_path, parse_assignments(assignments), dataset=replayed, out=folder, verbose=verbose
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
    if not outcome.report["complete"]:
        click.echo(
            f"warning: the run stopped early ({outcome.report['stopped_by']}):"
            " the report covers part of the dataset",
            err=True,
        )
    raise SystemExit(0 if isinstance(verify, dict) and verify["ok"] and outcome.report["complete"] else 1)


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


COMPARED = (
    ("cycles", ("cycles", "total")),
    ("degraded", ("cycles", "degraded")),
    ("fills", ("trades", "fills")),
    ("round trips", ("trades", "round_trips")),
    ("win rate", ("trades", "win_rate")),
    ("fees and taxes", ("trades", "fees_and_taxes")),
    ("final equity", ("equity", "last")),
    ("return", ("equity", "total_return")),
    ("buy and hold", ("equity", "buy_and_hold_return")),
    ("max drawdown", ("equity", "max_drawdown")),
    ("Sharpe per period", ("equity", "sharpe_per_period")),
    ("Sortino per period", ("equity", "sortino_per_period")),
    ("exposure", ("equity", "exposure")),
    ("turnover", ("equity", "turnover")),
    ("mode transitions", ("mode_transitions",)),
    ("fingerprint", ("fingerprint",)),
)


@backtest.command()
@click.argument("report_a", type=click.Path(path_type=Path, exists=True))
@click.argument("report_b", type=click.Path(path_type=Path, exists=True))
@click.option("--json", "as_json", is_flag=True, help="{figure: {a, b, same}} as JSON.")
def compare(report_a: Path, report_b: Path, as_json: bool) -> None:
    """Two backtest reports side by side (a report.json, or the folder holding one), with the
    figures that differ marked. Exit 0 when the fingerprints are equal, 1 when not."""
    a, b = _report(report_a), _report(report_b)
    rows = {name: (_pick(a, path), _pick(b, path)) for name, path in COMPARED}
    if as_json:
        click.echo(
            json.dumps({name: {"a": x, "b": y, "same": x == y} for name, (x, y) in rows.items()}, indent=2)
        )
    else:
        from io import StringIO

        from rich.console import Console
        from rich.table import Table

        table = Table(title=f"A {report_a}   B {report_b}", title_justify="left")
        for column in ("figure", "A", "B", ""):
            table.add_column(column, overflow="fold")
        for name, (x, y) in rows.items():
            table.add_row(name, _cell(x), _cell(y), "" if x == y else "differs")
        buffer = StringIO()
        Console(file=buffer, width=160, highlight=False).print(table)
        click.echo(buffer.getvalue().rstrip())
    raise SystemExit(0 if rows["fingerprint"][0] == rows["fingerprint"][1] else 1)


def _report(path: Path) -> dict[str, object]:
    file = path / "report.json" if path.is_dir() else path
    try:
        loaded = json.loads(file.read_text())
    except (OSError, ValueError) as error:
        raise click.BadParameter(f"{file}: not a backtest report ({error})") from error
    if not isinstance(loaded, dict) or loaded.get("schema") != "bot-backtest/1":
        raise click.BadParameter(f"{file}: not a bot-backtest/1 report")
    return loaded


def _pick(report: dict[str, object], path: tuple[str, ...]) -> object:
    value: object = report
    for key in path:
        value = value.get(key) if isinstance(value, dict) else None
    return len(value) if isinstance(value, list) else value


def _cell(value: object) -> str:
    if value is None:
        return "-"
    if isinstance(value, float):
        return f"{value:.6g}"
    return str(value)
