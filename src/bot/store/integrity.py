"""The start-up integrity check: act only on a ledger whose state is what its events say.

`bot ledger verify` re-hashes every event and rebuilds every projection; on a ledger of a million
events that takes many seconds, too long for every start. This check does the same for what
changed since the last check, and only for the state a cycle acts on:

1. the log has no hole (as many events as its last sequence number);
2. the hash chain from the last checkpoint to the end is intact (re-hashed, linked, in sequence);
3. the checkpoint's snapshot of the acted-on projections (balances, positions, the state table
   with the kill switch and every stage's memory, working orders, fills not yet tied to an order,
   open foreign orders)
   is loaded into a scratch ledger, the events after it are replayed onto it through the same
   `projections.apply` the unit of work uses, and the live tables must equal the scratch ones row
   for row.

A check that passes ends with a `LedgerChecked` event carrying a new snapshot: the next check
starts there. The snapshot is inside the hash chain, so editing it breaks the chain, and `ledger
verify` compares every snapshot with its own rebuild. History before the last checkpoint is not
re-hashed at start (the full `ledger verify` does that).
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass

from bot.domain.events import EventType
from bot.domain.orders import OrderStatus
from bot.store import event_log, projections
from bot.store.db import Database
from bot.store.errors import LedgerRefused, StoreError
from bot.store.ledger_events import LedgerChecked, decode
from bot.store.payloads import JsonValue, Payload, loads
from bot.store.table_diff import first_difference
from bot.store.unit_of_work import UnitOfWork

_WORKING = ", ".join(f"'{status.value}'" for status in OrderStatus if status.is_working)
INSPECT_HINT = "inspect it with `bot ledger verify --db {path}`; see runbooks/ledger-refused-at-start.md"


@dataclass(frozen=True, slots=True)
class Scope:
    """Rows of one projection table that a cycle acts on (and that a replay needs)."""

    table: str
    key: str
    where: str = ""


SCOPES: tuple[Scope, ...] = (
    Scope("balances", "asset"),
    Scope("positions", "symbol"),
    Scope("state", "key"),
    Scope("orders", "client_order_id", f"status IN ({_WORKING})"),
    # Fills not yet tied to an order: an OrderAccepted after the checkpoint adopts them.
    Scope("fills", "trade_id", "client_order_id IS NULL"),
    # Open orders placed beside the bot: they count against its caps.
    Scope("foreign_orders", "exchange_order_id", "gone_ms IS NULL"),
)


@dataclass(frozen=True, slots=True, kw_only=True)
class CheckReport:
    events: int  # events in the ledger before the check
    replayed: int  # events re-hashed and replayed since the checkpoint
    checkpoint_seq: int | None  # the checkpoint the check started from, None: from the first event
    checkpointed: bool  # a new LedgerChecked event was appended


def check_ledger(database: Database, *, now_ms: int) -> CheckReport:
    """Refuse (LedgerRefused) a ledger whose acted-on state differs from its events; else checkpoint.

    Runs in one write transaction, so no other writer can move the ledger between the check and
    the checkpoint. Raises LedgerRefused naming the first problem and how to inspect it.
    """
    try:
        with database.unit_of_work() as uow:
            report = _check(database, uow, now_ms)
            uow.commit()
    except sqlite3.DatabaseError as e:
        raise LedgerRefused(_refusal(database.path, f"the file is damaged ({e})")) from e
    return report


def inspect_ledger(database: Database) -> CheckReport:
    """The same check without the checkpoint, in a read transaction: for `bot doctor`, which may
    run beside the daemon and never writes. Raises LedgerRefused as `check_ledger` does."""
    try:
        with database.read():
            return _check(database, None, 0)
    except sqlite3.DatabaseError as e:
        raise LedgerRefused(_refusal(database.path, f"the file is damaged ({e})")) from e


def _check(database: Database, uow: UnitOfWork | None, now_ms: int) -> CheckReport:
    """`uow` None: check only (nothing is recorded, `checkpointed` is False)."""
    conn = database.connection
    path = database.path
    last = event_log.last_seq(conn)
    total = event_log.count(conn)
    if total != last:
        raise LedgerRefused(
            _refusal(path, f"events: {total} events but the last is seq {last}: events were deleted")
        )
    checkpoint = _last_checkpoint(conn)
    start = checkpoint[0] if checkpoint else 1
    problem, references = _check_chain(conn, start, collect=checkpoint is not None)
    if problem:
        raise LedgerRefused(_refusal(path, problem))
    replayed = last - start + 1 if last else 0
    with Database.in_memory() as scratch:
        expected = scratch.connection
        if checkpoint:
            problem = _load_snapshot(expected, checkpoint[1])
            if problem:
                raise LedgerRefused(_refusal(path, f"events[seq={checkpoint[0]}] (LedgerChecked): {problem}"))
            _preload_settled_orders(conn, expected, references)
        problem = _replay(conn, expected, start + 1 if checkpoint else 1)
        if problem is None:
            problem = _first_scope_difference(conn, expected)
    if problem:
        raise LedgerRefused(_refusal(path, problem))
    checkpointing = uow is not None and (checkpoint is None or last > checkpoint[0]) and last > 0
    if uow is not None and checkpointing:
        uow.record(LedgerChecked(through_seq=last, snapshot=snapshot(conn), ts_ms=now_ms))
    return CheckReport(
        events=total,
        replayed=replayed,
        checkpoint_seq=checkpoint[0] if checkpoint else None,
        checkpointed=checkpointing,
    )


def events_to_check(conn: sqlite3.Connection) -> int:
    """How many events the next check will re-hash and replay."""
    checkpoint = conn.execute(
        "SELECT MAX(seq) FROM events WHERE type = ?", (EventType.LEDGER_CHECKED.value,)
    ).fetchone()[0]
    return event_log.last_seq(conn) - (int(checkpoint) - 1 if checkpoint else 0)


def snapshot(conn: sqlite3.Connection) -> dict[str, JsonValue]:
    """The acted-on rows of every scope, as a canonical payload value."""
    tables: dict[str, JsonValue] = {}
    for scope in SCOPES:
        columns = _columns(conn, scope.table)
        condition = f" WHERE {scope.where}" if scope.where else ""
        rows = conn.execute(
            f"SELECT {', '.join(columns)} FROM {scope.table}{condition} ORDER BY {scope.key}"
        ).fetchall()
        tables[scope.table] = {"columns": list(columns), "rows": [list(row) for row in rows]}
    return tables


def snapshot_problem(expected: sqlite3.Connection, payload: Payload) -> str | None:
    """For `ledger verify`: does a LedgerChecked snapshot equal the rebuild at its point?"""
    with Database.in_memory() as scratch:
        problem = _load_snapshot(scratch.connection, payload)
        if problem:
            return problem
        for scope in SCOPES:
            difference = first_difference(scratch.connection, expected, scope.table, scope.key, scope.where)
            if difference:
                return f"its snapshot differs from the events before it: {difference}"
    return None


def _refusal(path: str, problem: str) -> str:
    return f"ledger {path} refused: {problem}; {INSPECT_HINT.format(path=path)}"


def _last_checkpoint(conn: sqlite3.Connection) -> tuple[int, Payload] | None:
    row = conn.execute(
        "SELECT seq, payload FROM events WHERE type = ? ORDER BY seq DESC LIMIT 1",
        (EventType.LEDGER_CHECKED.value,),
    ).fetchone()
    if row is None:
        return None
    try:
        return int(row[0]), loads(str(row[1]))
    except ValueError as e:
        raise LedgerRefused(f"events[seq={row[0]}] (LedgerChecked) payload does not read: {e}") from e


def _check_chain(conn: sqlite3.Connection, start: int, *, collect: bool) -> tuple[str | None, set[str]]:
    """Re-hash events from `start`. Returns the first problem, and the ids (client or exchange)
    of orders that existed before `start` and that the events after it touch."""
    prev_hash = event_log.hash_at(conn, start - 1)
    if prev_hash is None:
        return f"events: seq {start - 1} is missing (the log has a gap)", set()
    touched: set[str] = set()
    created: set[str] = set()
    expected_seq = start
    for record in event_log.iterate_from(conn, start):
        problem = event_log.chain_problem(record, expected_seq=expected_seq, prev_hash=prev_hash)
        if problem:
            return problem, set()
        if collect and record.type != EventType.LEDGER_CHECKED.value:
            ids = _order_references(record.payload)
            if record.type == EventType.ORDER_SUBMIT_REQUESTED.value:
                created.update(ids)
            touched.update(ids)
        prev_hash = record.hash
        expected_seq += 1
    return None, touched - created


def _order_references(payload_text: str) -> list[str]:
    try:
        payload = loads(payload_text)
    except ValueError:
        return []  # the replay reports it
    return [
        value
        for key in ("client_order_id", "exchange_order_id")
        if isinstance(value := payload.get(key), str)
    ]


def _load_snapshot(expected: sqlite3.Connection, payload: Payload) -> str | None:
    tables = payload.get("snapshot")
    if not isinstance(tables, dict):
        return "no snapshot"
    known = {scope.table for scope in SCOPES}
    for table, content in tables.items():
        if table not in known or not isinstance(content, dict):
            return f"snapshot of unknown table {table!r}"
        columns, rows = content.get("columns"), content.get("rows")
        if not isinstance(columns, list) or not isinstance(rows, list):
            return f"snapshot of {table} has no columns or rows"
        if not set(map(str, columns)) <= set(_columns(expected, table)):
            return f"snapshot of {table} has columns this schema does not: {columns}"
        marks = ", ".join("?" * len(columns))
        try:
            expected.executemany(
                f"INSERT INTO {table} ({', '.join(map(str, columns))}) VALUES ({marks})",
                [tuple(row) for row in rows if isinstance(row, list)],
            )
        except sqlite3.Error as e:
            return f"snapshot of {table} does not load: {e}"
    return None


def _preload_settled_orders(
    live: sqlite3.Connection, expected: sqlite3.Connection, references: set[str]
) -> None:
    """Copy the orders that later events touch but the snapshot left out because they had settled.

    Only settled (terminal) rows are copied: they can no longer become working, so a live row
    that was edited back to working is still missing from the rebuild and shows as a difference.
    """
    if not references:
        return
    columns = _columns(live, "orders")
    ids = sorted(references)
    marks = ", ".join("?" * len(ids))
    rows = live.execute(
        f"SELECT {', '.join(columns)} FROM orders WHERE status NOT IN ({_WORKING})"
        f" AND (client_order_id IN ({marks}) OR exchange_order_id IN ({marks}))",
        (*ids, *ids),
    ).fetchall()
    expected.executemany(
        f"INSERT INTO orders ({', '.join(columns)}) VALUES ({', '.join('?' * len(columns))})"
        " ON CONFLICT (client_order_id) DO NOTHING",
        rows,
    )


def _replay(live: sqlite3.Connection, expected: sqlite3.Connection, first_seq: int) -> str | None:
    expected.execute("BEGIN")
    try:
        for record in event_log.iterate_from(live, first_seq):
            try:
                projections.apply(expected, decode(record.type, loads(record.payload)))
            except (StoreError, ValueError, sqlite3.Error) as e:
                return f"events[seq={record.seq}] ({record.type}) cannot be replayed: {e}"
    finally:
        expected.execute("COMMIT")
    return None


def _first_scope_difference(live: sqlite3.Connection, expected: sqlite3.Connection) -> str | None:
    for scope in SCOPES:
        difference = first_difference(live, expected, scope.table, scope.key, scope.where)
        if difference:
            return difference
    return None


def _columns(conn: sqlite3.Connection, table: str) -> tuple[str, ...]:
    return tuple(str(row[1]) for row in conn.execute(f"PRAGMA table_info({table})"))
