"""`bot ledger verify`: check the hash chain and rebuild every projection from the events.

The rebuild replays the log through the same `projections.apply` the unit of work uses, into a
scratch in-memory ledger with the same migrations, then compares each projection table with the
live one row by row in primary-key order.
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass, field

from bot.domain.events import EventType
from bot.store import event_log, projections
from bot.store.db import Database
from bot.store.errors import StoreError
from bot.store.event_log import GENESIS_HASH, EventRecord
from bot.store.integrity import snapshot_problem
from bot.store.payloads import dumps, loads
from bot.store.table_diff import first_difference

# Projection tables and their primary keys, compared in this order.
PROJECTION_KEYS = {
    "balances": "asset",
    "positions": "symbol",
    "orders": "client_order_id",
    "fills": "trade_id",
    "cycles": "cycle_id",
    "decisions": "id",
    "state": "key",
    "foreign_orders": "exchange_order_id",
}
MAX_REPLAY_PROBLEMS = 20


@dataclass(frozen=True, slots=True, kw_only=True)
class VerifyReport:
    ok: bool
    events_checked: int
    problems: list[str] = field(default_factory=list)


def verify_ledger(database: Database) -> VerifyReport:
    """Verify `database` (read-write or read-only) without changing it.

    Raises StoreError if a unit of work is active on it (its uncommitted writes would be compared).
    """
    live = database.connection
    if live.in_transaction:
        raise StoreError("cannot verify while a unit of work is active on this ledger")
    problems: list[str] = []
    live.execute("BEGIN")  # one consistent snapshot even while the daemon keeps writing
    try:
        with Database.in_memory() as scratch:
            checked = _replay(live, scratch.connection, problems)
            for table, key in PROJECTION_KEYS.items():
                difference = first_difference(live, scratch.connection, table, key)
                if difference:
                    problems.append(difference)
    finally:
        live.execute("ROLLBACK")
    return VerifyReport(ok=not problems, events_checked=checked, problems=problems)


def _replay(live: sqlite3.Connection, scratch: sqlite3.Connection, problems: list[str]) -> int:
    """Walk the log once: check the chain (first break only) and rebuild projections in `scratch`."""
    checked = 0
    prev_hash = GENESIS_HASH
    chain_ok = True
    replay_problems: list[str] = []
    scratch.execute("BEGIN")
    for record in event_log.iterate(live):
        checked += 1
        if chain_ok:
            broken = event_log.chain_problem(record, expected_seq=checked, prev_hash=prev_hash)
            if broken:
                problems.append(broken)
                chain_ok = False
            prev_hash = record.hash
        problem = _replay_one(scratch, record)
        if problem and len(replay_problems) < MAX_REPLAY_PROBLEMS:
            replay_problems.append(problem)
        # The scratch log mirrors the live one, so projections that consult it (BalancesSeeded) agree.
        event_log.insert(scratch, record)
    scratch.execute("COMMIT")
    problems.extend(replay_problems)
    return checked


def _replay_one(scratch: sqlite3.Connection, record: EventRecord) -> str | None:
    where = f"events[seq={record.seq}] ({record.type})"
    problem = None
    scratch.execute("SAVEPOINT replay_event")
    try:
        payload = loads(record.payload)
        if dumps(payload) != record.payload:
            problem = f"{where}.payload is not canonical JSON"
        elif payload.get("ts_ms") != record.ts_ms:
            problem = f"{where}.ts_ms {record.ts_ms} differs from the payload's {payload.get('ts_ms')!r}"
        if record.type == EventType.LEDGER_CHECKED.value:
            mismatch = snapshot_problem(scratch, payload)
            if mismatch:
                problem = f"{where}: {mismatch}"
        if not projections.apply(scratch, record.type, payload):
            problem = f"{where} is a duplicate on replay (record() would not have appended it)"
    except (StoreError, ValueError, sqlite3.Error) as e:
        scratch.execute("ROLLBACK TO replay_event")
        problem = f"{where} cannot be replayed: {e}"
    finally:
        scratch.execute("RELEASE replay_event")
    return problem
