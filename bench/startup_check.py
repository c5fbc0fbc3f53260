"""How long the start-up integrity check takes on a large ledger, and what it costs in memory.

Builds a ledger of N events (default 1,000,000) through the real unit of work: cycles with
decisions, orders written ahead, accepted, filled or canceled, fills moving balances, and state
changes, in the proportions of a stage-3 run. Then measures `bot.store.integrity.check_ledger`:

- first check: no checkpoint yet, every event replayed (once per ledger; an upgrade from a
  version without checkpoints pays this once);
- restart after a clean check: nothing new since the checkpoint;
- restart after a crash: `store.integrity_check_events` (10,000) events since the checkpoint, the
  most a running daemon leaves unchecked.

Prints figures with the settings and the core count; asserts nothing.

    .venv/bin/python bench/startup_check.py [--events 1000000] [--keep PATH]
"""

from __future__ import annotations

import argparse
import os
import resource
import tempfile
import time
from decimal import Decimal
from pathlib import Path

from bot.domain.events import EventType
from bot.store import Database, UnitOfWork
from bot.store.integrity import check_ledger
from bot.store.ledger_events import from_mapping

T0 = 1_700_000_000_000


def build(path: Path, events: int) -> int:
    """Append about `events` events; returns the number appended."""
    with Database.open(path, synchronous="NORMAL") as db:
        with db.unit_of_work() as uow:
            uow.record(
                from_mapping(EventType.BALANCES_SEEDED, {"ts_ms": T0, "balances": {"TRY": Decimal(10**9)}})
            )
            uow.commit()
        cycle = 0
        started = time.perf_counter()
        while db.events.count() < events:
            with db.unit_of_work() as uow:
                for _ in range(500):
                    cycle += 1
                    _cycle(uow, cycle)
                uow.commit()
            done = db.events.count()
            rate = done / (time.perf_counter() - started)
            print(f"\r  built {done:,} events ({rate:,.0f}/s)", end="", flush=True)
        print()
        return db.events.count()


def _cycle(uow: UnitOfWork, cycle: int) -> None:
    ts = T0 + cycle * 60_000
    uow.record(
        from_mapping(EventType.CYCLE_STARTED, {"cycle_id": cycle, "ts_ms": ts, "stage": "3", "mode": "paper"})
    )
    client_id = f"b3-bench-{cycle}-0"
    side = "buy" if cycle % 2 else "sell"
    uow.record(
        from_mapping(
            EventType.DECISION_RECORDED,
            {
                "cycle_id": cycle,
                "ts_ms": ts,
                "action_key": "0",
                "symbol": "BTCTRY",
                "side": side,
                "kind": "submit",
                "verdict": "approved",
                "reason_code": "ok",
                "layer": "risk_policy",
                "price": Decimal("1400000"),
                "requested_quantity": Decimal("0.001"),
                "final_quantity": Decimal("0.001"),
                "client_order_id": client_id,
                "rationale": "bench",
                "details": {},
            },
        )
    )
    order = {"client_order_id": client_id, "cycle_id": cycle, "ts_ms": ts, "symbol": "BTCTRY"}
    uow.record(
        from_mapping(
            EventType.ORDER_SUBMIT_REQUESTED,
            order | {"side": side, "price": Decimal("1400000"), "quantity": Decimal("0.001")},
        )
    )
    uow.record(
        from_mapping(
            EventType.ORDER_ACCEPTED,
            {"client_order_id": client_id, "exchange_order_id": f"x{cycle}", "ts_ms": ts},
        )
    )
    if cycle % 3:
        uow.record(
            from_mapping(
                EventType.ORDER_FILLED,
                {
                    "trade_id": f"t{cycle}",
                    "client_order_id": client_id,
                    "exchange_order_id": f"x{cycle}",
                    "symbol": "BTCTRY",
                    "base": "BTC",
                    "quote": "TRY",
                    "side": side,
                    "price": Decimal("1400000"),
                    "quantity": Decimal("0.001"),
                    "fee": Decimal("1.4"),
                    "tax": Decimal("0"),
                    "fee_asset": "TRY",
                    "ts_ms": ts + 1,
                },
            )
        )
    else:
        uow.record(from_mapping(EventType.ORDER_CANCELED, {"client_order_id": client_id, "ts_ms": ts + 1}))
    uow.record(
        from_mapping(EventType.STATE_CHANGED, {"key": "fills.cursor_ms", "value": str(ts), "ts_ms": ts})
    )
    uow.record(
        from_mapping(
            EventType.CYCLE_COMPLETED,
            {"cycle_id": cycle, "ts_ms": ts + 2, "duration_ms": 2, "status": "ok", "counters": {}},
        )
    )


def timed_check(path: Path) -> tuple[float, int, int]:
    with Database.open(path, synchronous="NORMAL") as db:
        started = time.perf_counter()
        report = check_ledger(db, now_ms=T0)
        return time.perf_counter() - started, report.replayed, report.events


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--events", type=int, default=1_000_000)
    parser.add_argument("--since-checkpoint", type=int, default=10_000)
    parser.add_argument("--keep", type=Path, help="build (or reuse) the ledger here")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        path = args.keep or Path(tmp) / "bench.sqlite"
        print(f"machine: {os.cpu_count()} cores; ledger {path}")
        if not path.exists():
            build(path, args.events)
        size_mb = path.stat().st_size / 2**20
        first, replayed, total = timed_check(path)
        print(f"first check (no checkpoint)     {first:8.3f} s  {replayed:,} events replayed of {total:,}")
        clean, replayed, _ = timed_check(path)
        print(f"restart, nothing new            {clean:8.3f} s  {replayed:,} events replayed")
        with Database.open(path, synchronous="NORMAL") as db, db.unit_of_work() as uow:
            cycle = 10**7
            while uow.events.count() < total + args.since_checkpoint:
                cycle += 1
                _cycle(uow, cycle)
            uow.commit()
        crash, replayed, _ = timed_check(path)
        print(
            f"restart, {args.since_checkpoint:,} new events      {crash:8.3f} s  {replayed:,} events replayed"
        )
        rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        print(f"ledger {size_mb:.0f} MiB; peak RSS of this process {rss:.0f} MiB")


if __name__ == "__main__":
    main()
