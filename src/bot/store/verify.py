"""`bot ledger verify`: check the hash chain and rebuild every projection from the events.

The rebuild replays the log through the same `projections.apply` the unit of work uses, into a
scratch in-memory ledger with the same migrations, then compares each projection table with the
live one row by row in primary-key order.
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass, field
from itertools import zip_longest

from bot.store import event_log, projections
from bot.store.db import Database
from bot.store.errors import StoreError
from bot.store.event_log import GENESIS_HASH, EventRecord, event_hash
from bot.store.payloads import dumps, loads

# Projection tables and their primary keys, compared in this order.
PROJECTION_KEYS = {
    "balances": "asset",
    "positions": "symbol",
    "orders": "client_order_id",
    "fills": "trade_id",
    "cycles": "cycle_id",
    "decisions": "id",
    "state": "key",
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
                difference = _first_difference(live, scratch.connection, table, key)
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
            broken = _chain_problem(record, expected_seq=checked, prev_hash=prev_hash)
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


def _chain_problem(record: EventRecord, *, expected_seq: int, prev_hash: str) -> str | None:
    where = f"events[seq={record.seq}]"
    if record.seq != expected_seq:
        return f"events: seq {record.seq} where {expected_seq} was expected (the log has a gap)"
    if record.prev_hash != prev_hash:
        return f"{where}.prev_hash does not match the hash of the event before it (chain broken)"
    recomputed = event_hash(
        prev_hash=record.prev_hash,
        seq=record.seq,
        ts_ms=record.ts_ms,
        event_type=record.type,
        payload=record.payload,
    )
    if recomputed != record.hash:
        return f"{where}.hash: stored {record.hash}, recomputed {recomputed} (the event was altered)"
    return None


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
        if not projections.apply(scratch, record.type, payload):
            problem = f"{where} is a duplicate on replay (record() would not have appended it)"
    except (StoreError, ValueError, sqlite3.Error) as e:
        scratch.execute("ROLLBACK TO replay_event")
        problem = f"{where} cannot be replayed: {e}"
    finally:
        scratch.execute("RELEASE replay_event")
    return problem


def _first_difference(
    live: sqlite3.Connection, scratch: sqlite3.Connection, table: str, key: str
) -> str | None:
    """The first row or column where the live table differs from the rebuilt one, or None."""
    columns = [str(row[1]) for row in scratch.execute(f"PRAGMA table_info({table})")]
    at = columns.index(key)
    sql = f"SELECT {', '.join(columns)} FROM {table} ORDER BY {key}"
    for ledger_row, expected_row in zip_longest(live.execute(sql), scratch.execute(sql)):
        if expected_row is None or (ledger_row is not None and ledger_row[at] < expected_row[at]):
            return f"{table}[{key}={ledger_row[at]}]: the ledger has a row the events do not give"
        if ledger_row is None or expected_row[at] < ledger_row[at]:
            return f"{table}[{key}={expected_row[at]}]: the ledger has no row, the events give one"
        for column, ledger_value, expected_value in zip(columns, ledger_row, expected_row, strict=True):
            if ledger_value != expected_value:
                return (
                    f"{table}[{key}={ledger_row[at]}].{column}: ledger has {ledger_value!r},"
                    f" events give {expected_value!r}"
                )
    return None
