"""`bot backtest`: the live cycle in paper mode over a replay dataset, into a fresh ledger, then a
report from that ledger (`bot.app.backtest_report`) checked against `bot ledger verify`.

It is the same code as `bot stage7-run` (no second engine): the run is `run_stage` over a
replay, which commits in batches (`store.backtest_batch_cycles`) and stops when the dataset ends.
Files in the output folder: `ledger.sqlite` (the run's ledger), `report.json` (schema
`bot-backtest/1`, documented in docs/backtests.md), `trades.csv`, `equity.csv` and, with the
`report` extra installed (plotly), `report.html`.
"""

from __future__ import annotations

import csv
import json
import time
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal, localcontext
from pathlib import Path

import bot
from bot.app.backtest_report import Recorded, build_report, read_recorded
from bot.app.commands import load, run_stage
from bot.app.datasets import load_configured_dataset
from bot.app.errors import CommandError
from bot.app.ledger_commands import ledger_verify_document
from bot.config import Settings
from bot.replay.dataset_io import open_dataset
from bot.store import Database

SCHEMA = "bot-backtest/1"
REPLAY_END = "replay dataset exhausted"


@dataclass(frozen=True, slots=True)
class BacktestOutcome:
    report: dict[str, object]
    out: Path
    html: Path | None  # None: plotly is not installed (`pip install 'bot[report]'`)


def backtest_settings(
    config_path: Path | None, overrides: Mapping[str, object], *, dataset: Path, out: Path, verbose: bool
) -> Settings:
    """The user's settings with what makes a run a backtest: a paper account over `dataset`,
    a fresh ledger in `out`, no metrics server, quiet logs unless `verbose`."""
    forced: dict[str, object] = {
        "mode": "paper",
        "exchange.adapter": "paper",
        "market_data.source": "replay",
        "market_data.dataset": str(dataset),
        "store.path": str(out / "ledger.sqlite"),
        "observability.metrics_enabled": "false",
    }
    if not verbose and "observability.log_level" not in overrides:
        forced["observability.log_level"] = "WARNING"
    return load(config_path, {**overrides, **forced}).settings


def window_dataset(source: Path, out: Path, start_ms: int | None, end_ms: int | None) -> Path:
    """The rows of `source` in [start, end) as a dataset of its own in `out/dataset` (streamed,
    never whole in memory); `source` itself when no window is asked. Raises CommandError for a
    window holding fewer than two steps."""
    if start_ms is None and end_ms is None:
        return source
    from bot.replay.errors import DatasetError

    try:
        return _write_window(source, out, start_ms, end_ms)
    except DatasetError as error:
        raise CommandError(f"--dataset: {error}") from error


def _write_window(source: Path, out: Path, start_ms: int | None, end_ms: int | None) -> Path:
    from bot.replay.dataset_io import DatasetWriter

    dataset = open_dataset(source)
    lo, hi = (
        start_ms if start_ms is not None else dataset.start_ms,
        end_ms if end_ms is not None else dataset.end_ms + 1,
    )
    target = out / "dataset"
    kept = 0
    with DatasetWriter(
        target, name=f"{dataset.name}-window", step_ms=dataset.step_ms, pairs=list(dataset.pairs.values())
    ) as writer:
        for symbol in dataset.symbols:
            for row in dataset.open_rows(symbol):
                if lo <= row.ts_ms < hi:
                    writer.write(symbol, row)
                    kept += 1
        if kept < 2 * len(dataset.symbols):
            raise CommandError(f"--from/--to keep fewer than two steps of {source}: widen the window")
        writer.commit(f"window [{lo}, {hi}) of {source}")
    return target


def run_backtest(settings: Settings, stage: str, *, out: Path, progress: bool) -> BacktestOutcome:
    ledger = settings.store.path
    if ledger.exists():
        raise CommandError(f"{ledger} exists: a backtest writes a fresh ledger; choose another --out")
    dataset = load_configured_dataset(settings)  # one that does not load stops here, before any ledger
    out.mkdir(parents=True, exist_ok=True)
    started = time.perf_counter()
    outcome = run_stage(
        settings,
        stage,
        loop=True,
        max_cycles=0,
        cycle_seconds=settings.loop.cycle_seconds,
        status_line=progress,
    )
    wall_s = time.perf_counter() - started
    verified = ledger_verify_document(ledger)
    with Database.open_readonly(ledger) as database:
        recorded = read_recorded(database)
        report = build_report(
            database,
            recorded,
            universe=settings.universe.symbols,
            quote=settings.capital.quote_asset,
            min_notional={symbol: rules.min_notional for symbol, rules in dataset.pairs.items()},
        )
    _write_csvs(recorded, out)
    report = {
        "schema": SCHEMA,
        "version": bot.__version__,
        "stage": stage,
        "dataset": str(settings.market_data.dataset),
        "universe": list(settings.universe.symbols),
        "complete": outcome.cycles.stopped_by == REPLAY_END,
        "stopped_by": outcome.cycles.stopped_by,
        "wall_s": round(wall_s, 3),
        "cycles_per_s": round(outcome.cycles.cycles / wall_s, 1) if wall_s > 0 else None,
        **report,
        "verify": _reconciled(report, verified),
    }
    (out / "report.json").write_text(json.dumps(report, indent=2) + "\n")
    html = _html(out, report)
    return BacktestOutcome(report=report, out=out, html=html)


def _reconciled(report: Mapping[str, object], verified: Mapping[str, object]) -> dict[str, object]:
    """`bot ledger verify` recomputes every money figure from the fills; the report's must match it
    to the last digit of Decimal's 28-digit precision (a stage's running sums carry a few more)."""
    accounting = verified.get("accounting")
    equity = report.get("equity")
    matches = None
    if isinstance(accounting, dict) and isinstance(equity, dict):
        pairs = (("equity", "last"), ("realized_pnl", "realised_pnl"))
        matches = all(_same(accounting[theirs], equity[ours]) for theirs, ours in pairs)
    return {"ok": verified["ok"], "problems": verified["problems"], "figures_match": matches}


def _same(a: object, b: object) -> bool:
    with localcontext() as ctx:
        ctx.prec = 28
        return +Decimal(str(a)) == +Decimal(str(b))


TRADE_COLUMNS = ("ts_ms", "trade_id", "client_order_id", "symbol", "side", "price", "quantity", "fee", "tax")


def _write_csvs(recorded: Recorded, out: Path) -> None:
    with (out / "trades.csv").open("w", newline="") as handle:
        trades = csv.DictWriter(handle, fieldnames=[*TRADE_COLUMNS, "fee_asset"])
        trades.writeheader()
        trades.writerows(recorded.fills)
    with (out / "equity.csv").open("w", newline="") as handle:
        rows = csv.writer(handle)
        rows.writerow(["cycle_id", "ts_ms", "equity", "realised_pnl"])
        for cycle_id, ts_ms, record in recorded.curve:
            rows.writerow([cycle_id, ts_ms, record["equity"], record.get("realized_pnl")])


def _html(out: Path, report: Mapping[str, object]) -> Path | None:
    """report.html with plotly (offline, self-contained): equity, drawdown, and trades over price."""
    try:
        from bot.app.backtest_html import write_html
    except ImportError:
        return None
    return write_html(out, report)
