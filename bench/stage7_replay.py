"""Stage 7 over real BTC 1-minute data (January 2022) on the replay clock with a paper account.

Imports a window of ../shared/data/btc-perp-20211231-20220201_1m.csv (prices x35 to TRY), runs
`bot stage7-run --loop` in this process until the window is exhausted, and prints cycles per
second, final equity, peak, realised PnL and every risk-mode transition; then how long
`bot ledger verify` takes to revalue every cycle, and what accounting costs as a ledger grows
(a restart folds every fill; a cycle applies only its new ones). Prints figures; asserts nothing.

    .venv/bin/python bench/stage7_replay.py [--from 2022-01-17] [--to 2022-01-26] [--cycle-seconds 60]
"""

from __future__ import annotations

import argparse
import json
import sqlite3
import tempfile
import time
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path

from bot.accounting.running import RunningBooks
from bot.app import commands, ledger_commands
from bot.app.replays import replay_import
from bot.domain.orders import Fill, Side
from bot.replay.pair_specs import DEFAULT_PAIRS

DATA = Path(__file__).resolve().parents[2] / "shared" / "data" / "btc-perp-20211231-20220201_1m.csv"


def utc_ms(day: str) -> int:
    return int(datetime.fromisoformat(day).replace(tzinfo=UTC).timestamp() * 1000)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--from", dest="start", default="2022-01-17")
    parser.add_argument("--to", dest="end", default="2022-01-26")
    parser.add_argument("--cycle-seconds", type=float, default=60.0)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        dataset = Path(tmp) / "btc"
        replay_import(
            DATA, dataset, symbol="BTCTRY", price_scale_factor=Decimal(35), spread_bps=Decimal(5),
            overwrite=False, window=(utc_ms(args.start), utc_ms(args.end)),
        )  # fmt: skip
        db = Path(tmp) / "ledger.sqlite"
        overrides = {
            "store.path": str(db),
            "store.synchronous": "NORMAL",
            "market_data.dataset": str(dataset),
            "universe.symbols": '["BTCTRY"]',
            "selection.size": "1",
            "loop.cycle_seconds": str(args.cycle_seconds),
            "observability.log_level": "CRITICAL",
            "observability.metrics_enabled": "false",
        }
        settings = commands.load(None, overrides).settings
        started = time.perf_counter()
        outcome = commands.run_stage(settings, "7", loop=True, max_cycles=0, cycle_seconds=args.cycle_seconds)
        elapsed = time.perf_counter() - started
        report(db, outcome.cycles.cycles, elapsed, args)
        started = time.perf_counter()
        ok, text = ledger_commands.ledger_verify(db)
        print(f"ledger verify      {time.perf_counter() - started:.1f} s, {'OK' if ok else 'FAILED'}")
        print(f"  {text.splitlines()[-1]}")
    accounting_scale()


def accounting_scale() -> None:
    """What accounting costs as a ledger grows: a restart folds every fill once; a cycle then
    applies only its new fills (here one) and reads books and the day's outcomes."""
    rules = {"BTCTRY": DEFAULT_PAIRS["BTCTRY"].rules}
    print("accounting: restart (fold every fill) / one cycle with one new fill:")
    for n in (1_000, 10_000, 50_000):
        fills = [_bench_fill(i) for i in range(n + 1)]
        started = time.perf_counter()
        opening = {"TRY": Decimal(100_000)}
        running = RunningBooks(quote_asset="TRY", opening_balances=opening, opening_prices={})
        running.add(fills[:n], rules)
        running.books()
        restart = time.perf_counter() - started
        started = time.perf_counter()
        running.add(fills[n:], rules)
        running.books()
        running.outcomes(since_ms=n - 100)
        cycle = time.perf_counter() - started
        print(f"  {n:>6} fills      {restart * 1000:.0f} ms / {cycle * 1_000_000:.0f} µs")


def _bench_fill(i: int) -> Fill:
    return Fill(
        trade_id=f"{i:08d}",
        exchange_order_id=str(i),
        client_order_id=None,
        symbol="BTCTRY",
        side=Side.BUY if i % 2 == 0 else Side.SELL,
        price=Decimal(1_000_000 + i % 97),
        quantity=Decimal("0.001"),
        fee=Decimal("1.2"),
        tax=Decimal("0.216"),
        fee_asset="TRY",
        ts_ms=i,
    )


def report(db: Path, cycles: int, elapsed: float, args: argparse.Namespace) -> None:
    with sqlite3.connect(db) as conn:
        state = dict(conn.execute("SELECT key, value FROM state").fetchall())
        fills = conn.execute("SELECT COUNT(*), SUM(side = 'sell') FROM fills").fetchone()
        modes = conn.execute(
            "SELECT ts_ms, payload FROM events WHERE type = 'RiskModeChanged' ORDER BY seq"
        ).fetchall()
    equity = json.loads(state["portfolio.equity"])
    capital = json.loads(state["portfolio.capital"])
    print(f"window             {args.start} .. {args.end}, cycle {args.cycle_seconds:.0f} s of replay time")
    print(f"cycles             {cycles} in {elapsed:.1f} s -> {cycles / elapsed:.0f} cycles/s")
    print(f"fills              {fills[0]} ({fills[1]} sells)")
    print(f"peak equity        {Decimal(equity['peak_equity']):.2f} TRY (seed 100000)")
    print(f"realised PnL       {Decimal(capital['realized_checkpoint_try']):.2f} TRY")
    trading, treasury = Decimal(capital["trading_capital_try"]), Decimal(capital["treasury_try"])
    print(f"trading capital    {trading:.2f}  treasury {treasury:.2f}")
    print("risk-mode transitions:")
    for ts_ms, payload in modes:
        t = json.loads(payload)
        when = datetime.fromtimestamp(ts_ms / 1000, tz=UTC).strftime("%Y-%m-%d %H:%M")
        print(f"  {when}  {t['source']:<8} {t['from_mode']:>7} -> {t['to_mode']:<7} {t['causes'][0]}")


if __name__ == "__main__":
    main()
