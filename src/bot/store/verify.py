"""`bot ledger verify`: check the hash chain and rebuild every projection from the events.

One pass: a single read transaction, one cursor over the log in sequence order. Each event is
re-hashed, parsed once, replayed through the same `projections.apply` the unit of work uses into
a scratch ledger with the same migrations, and handed, parsed, to any observers (the accounting
check, `bot.cycle.portfolio.verify`). Then each projection table is compared with the live one
row by row in primary-key order.

Memory stays bounded however long the log: events are streamed, never copied (the scratch log
keeps only the BalancesSeeded events its projection consults), and the scratch ledger is a
private temporary file with a capped page cache, so its projection tables, which grow with the
log, spill to disk instead of growing the process.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Protocol

from bot.domain.events import EventType
from bot.store import event_log, projections
from bot.store.db import Database
from bot.store.errors import StoreError
from bot.store.event_log import GENESIS_HASH, EventRecord, EventRow, event_hash
from bot.store.integrity import snapshot_problem
from bot.store.ledger_events import decode
from bot.store.migrations import migrate
from bot.store.payloads import Payload, loads
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
SCRATCH_CACHE_KIB = 32 * 1024  # the scratch ledger's page cache; the rest of it stays on disk
PROGRESS_EVERY = 16_384  # events between two progress reports
REPLAY_BATCH = 256  # events replayed under one savepoint
COMPARE_ROWS = 2_048  # projection rows compared at a time
_LEDGER_CHECKED = EventType.LEDGER_CHECKED.value
_BALANCES_SEEDED = EventType.BALANCES_SEEDED.value
# Failures of the scratch ledger's own file or memory: verify cannot go on, whatever the events say.
_SCRATCH_FAILURES = frozenset(
    {sqlite3.SQLITE_FULL, sqlite3.SQLITE_IOERR, sqlite3.SQLITE_CANTOPEN, sqlite3.SQLITE_NOMEM}
)

Progress = Callable[[int, int], None]  # (events checked so far, events in the log)


class _NotPlain(Exception):
    """A number with a fraction: `payloads.loads` refuses it, with its own message."""


def _not_plain(text: str) -> object:
    raise _NotPlain(text)


# `payloads.loads` and `payloads.dumps` made once instead of for every event (they were a third
# of the pass). `_parse` returns what `loads` returns and hands anything unusual back to it, so
# every error is its error; `_canonical` is `dumps` with the same encoder settings.
_decode = json.JSONDecoder(parse_float=_not_plain).raw_decode
_canonical = json.JSONEncoder(
    sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False
).encode


def _parse(text: str) -> Payload:
    """`payloads.loads(text)`: a JSON object without floats, else ValueError."""
    try:
        value, end = _decode(text)
    except (ValueError, _NotPlain):
        return loads(text)
    if end != len(text) or type(value) is not dict:
        return loads(text)
    return value


@dataclass(frozen=True, slots=True, kw_only=True)
class VerifyReport:
    ok: bool
    events_checked: int
    problems: list[str] = field(default_factory=list)


class EventObserver(Protocol):
    """Another check fed by the same pass: it sees every event once, in sequence order, parsed."""

    def begin(self, database: Database) -> None:
        """Inside the pass's read transaction, before the first event."""

    def event(self, seq: int, event_type: str, payload: Payload) -> None:
        """One event whose payload parsed."""

    def unreadable(self, seq: int, event_type: str, error: ValueError) -> None:
        """One event whose payload is not a JSON object without floats (`payloads.loads` raised)."""

    def end(self, database: Database) -> None:
        """After the last event, still inside the read transaction."""


def verify_ledger(
    database: Database, *, observers: Sequence[EventObserver] = (), progress: Progress | None = None
) -> VerifyReport:
    """Verify `database` (read-write or read-only) without changing it, in one pass over the log.

    `observers` see every event of that pass, in the same snapshot; `progress` is called before
    the first event, every PROGRESS_EVERY events and after the last. Raises StoreError if a unit
    of work is active on `database` (its uncommitted writes would be compared) or if the scratch
    ledger fails (no room for its temporary file); sqlite3.DatabaseError if the file is damaged.
    """
    live = database.connection
    if live.in_transaction:
        raise StoreError("cannot verify while a unit of work is active on this ledger")
    problems: list[str] = []
    live.execute("BEGIN")  # one consistent snapshot even while the daemon keeps writing
    try:
        total = event_log.last_seq(live)
        with _scratch() as scratch:
            for observer in observers:
                observer.begin(database)
            checked = _walk(live, _Replay(scratch), observers, problems, _reporter(progress, total))
            for observer in observers:
                observer.end(database)
            for table, key in PROJECTION_KEYS.items():
                difference = _first_difference(live, scratch, table, key)
                if difference:
                    problems.append(difference)
    finally:
        if live.in_transaction:  # SQLite ends it by itself on some errors of a damaged file
            live.execute("ROLLBACK")
    return VerifyReport(ok=not problems, events_checked=checked, problems=problems)


def _walk(
    live: sqlite3.Connection,
    replay: _Replay,
    observers: Sequence[EventObserver],
    problems: list[str],
    report: Callable[[int], None],
) -> int:
    """The pass: the chain (first break only), one parse, the replay and the observers, per event."""
    checked = 0
    prev_hash = GENESIS_HASH
    chain_ok = True
    report(checked)
    for row in event_log.rows(live):
        seq, ts_ms, event_type, text, stored_prev, digest = row
        checked += 1
        if chain_ok:
            if (
                seq != checked
                or stored_prev != prev_hash
                or digest
                != event_hash(prev_hash=prev_hash, seq=seq, ts_ms=ts_ms, event_type=event_type, payload=text)
            ):
                broken = event_log.chain_problem(_record(row), expected_seq=checked, prev_hash=prev_hash)
                if broken:
                    problems.append(broken)
                    chain_ok = False
            prev_hash = digest
        try:
            payload = _parse(text)
        except ValueError as error:
            replay.unreadable(row, error)
            for observer in observers:
                observer.unreadable(seq, event_type, error)
        else:
            replay.event(row, payload)
            for observer in observers:
                observer.event(seq, event_type, payload)
        if not checked % PROGRESS_EVERY:
            report(checked)
    replay.finish()
    report(checked)
    problems.extend(replay.problems)
    return checked


class _Replay:
    """The projections rebuilt in the scratch ledger event by event, as `_replay_one` rebuilds
    them, but under one savepoint per REPLAY_BATCH events rather than one per event (two more
    statements an event). An event that raises rolls its batch back, and the batch is replayed
    again with `_replay_one`: the same problems, the same scratch state, as if every event had
    had its own savepoint."""

    def __init__(self, scratch: sqlite3.Connection) -> None:
        self._scratch = scratch
        self.problems: list[str] = []  # the first MAX_REPLAY_PROBLEMS, in sequence order
        self._batch: list[EventRow] = []
        self._batch_problems: list[str] = []
        scratch.execute("BEGIN")

    def event(self, row: EventRow, payload: Payload) -> None:
        try:
            if not self._batch:
                self._scratch.execute("SAVEPOINT replay_batch")
            self._batch.append(row)
            try:
                problem = _replay_parsed(self._scratch, row, payload)
            except (StoreError, ValueError, sqlite3.Error) as error:
                _raise_scratch_failure(error)
                self._redo_batch()
                return
            _mirror(self._scratch, row)
            if problem:
                self._batch_problems.append(problem)
            if len(self._batch) >= REPLAY_BATCH:
                self._release_batch()
        except sqlite3.Error as error:
            _raise_scratch_failure(error)
            raise

    def unreadable(self, row: EventRow, error: ValueError) -> None:
        """Nothing of the event reaches the projections; only the scratch log mirrors it."""
        try:
            if not self._batch:
                self._scratch.execute("SAVEPOINT replay_batch")
            self._batch.append(row)
            self._batch_problems.append(f"{_where(row)} cannot be replayed: {error}")
            _mirror(self._scratch, row)
            if len(self._batch) >= REPLAY_BATCH:
                self._release_batch()
        except sqlite3.Error as failure:
            _raise_scratch_failure(failure)
            raise

    def finish(self) -> None:
        try:
            if self._batch:
                self._release_batch()
            self._scratch.execute("COMMIT")
        except sqlite3.Error as error:
            _raise_scratch_failure(error)
            raise

    def _release_batch(self) -> None:
        self._scratch.execute("RELEASE replay_batch")
        for problem in self._batch_problems:
            self._add(problem)
        self._batch.clear()
        self._batch_problems.clear()

    def _redo_batch(self) -> None:
        self._scratch.execute("ROLLBACK TO replay_batch")
        self._scratch.execute("RELEASE replay_batch")
        batch = self._batch
        self._batch, self._batch_problems = [], []
        for row in batch:
            problem = _replay_one(self._scratch, row)
            _mirror(self._scratch, row)
            if problem:
                self._add(problem)

    def _add(self, problem: str) -> None:
        if len(self.problems) < MAX_REPLAY_PROBLEMS:
            self.problems.append(problem)


def _replay_parsed(scratch: sqlite3.Connection, row: EventRow, payload: Payload) -> str | None:
    """Replay one parsed event; what is wrong with it, or None. Raises what the replay raises
    (the caller rolls back what it half did)."""
    _, ts_ms, event_type, text, _, _ = row
    problem = None
    if _canonical(payload) != text:
        problem = f"{_where(row)}.payload is not canonical JSON"
    elif payload.get("ts_ms") != ts_ms:
        problem = f"{_where(row)}.ts_ms {ts_ms} differs from the payload's {payload.get('ts_ms')!r}"
    if event_type == _LEDGER_CHECKED:
        mismatch = snapshot_problem(scratch, payload)
        if mismatch:
            problem = f"{_where(row)}: {mismatch}"
    if not projections.apply(scratch, decode(event_type, payload)):
        problem = f"{_where(row)} is a duplicate on replay (record() would not have appended it)"
    return problem


def _replay_one(scratch: sqlite3.Connection, row: EventRow) -> str | None:
    """Replay one event under a savepoint of its own: one that raises leaves nothing behind, and
    that is its problem."""
    scratch.execute("SAVEPOINT replay_event")
    try:
        return _replay_parsed(scratch, row, loads(row[3]))
    except (StoreError, ValueError, sqlite3.Error) as e:
        _raise_scratch_failure(e)
        scratch.execute("ROLLBACK TO replay_event")
        return f"{_where(row)} cannot be replayed: {e}"
    finally:
        scratch.execute("RELEASE replay_event")


def _mirror(scratch: sqlite3.Connection, row: EventRow) -> None:
    """The scratch log keeps the events a projection consults (BalancesSeeded: only the first
    seed sets balances), so that projection agrees with the live one; no other event is copied."""
    if row[2] == _BALANCES_SEEDED:
        event_log.insert(scratch, _record(row))


def _raise_scratch_failure(error: Exception) -> None:
    """A scratch ledger that cannot grow is no finding about the events: stop with StoreError."""
    code = getattr(error, "sqlite_errorcode", None)
    if code is not None and code & 0xFF in _SCRATCH_FAILURES:
        raise StoreError(
            f"cannot verify: the scratch ledger (a temporary file) failed: {error}; free space in"
            " the temporary folder (TMPDIR) and run `bot ledger verify` again"
        ) from error


@contextmanager
def _scratch() -> Iterator[sqlite3.Connection]:
    """A private, migrated scratch ledger. SQLite keeps it in a temporary file (created only when
    the page cache spills, unlinked as soon as it is opened) and in at most SCRATCH_CACHE_KIB of
    memory."""
    connection = sqlite3.connect("", isolation_level=None)
    try:
        connection.execute(f"PRAGMA cache_size = -{SCRATCH_CACHE_KIB:d}")
        connection.execute("PRAGMA foreign_keys = ON")
        migrate(connection)
        yield connection
    finally:
        connection.close()


def _first_difference(
    live: sqlite3.Connection, scratch: sqlite3.Connection, table: str, key: str
) -> str | None:
    """`first_difference`, but compared COMPARE_ROWS rows at a time while both sides agree: only a
    table that differs is read again, row by row and column by column, for the message."""
    columns = [str(row[1]) for row in scratch.execute(f"PRAGMA table_info({table})")]
    sql = f"SELECT {', '.join(columns)} FROM {table} ORDER BY {key}"
    ledger_rows, expected_rows = live.execute(sql), scratch.execute(sql)
    while True:
        ledger_chunk = ledger_rows.fetchmany(COMPARE_ROWS)
        if ledger_chunk != expected_rows.fetchmany(COMPARE_ROWS):
            return first_difference(live, scratch, table, key)
        if not ledger_chunk:
            return None


def _reporter(progress: Progress | None, total: int) -> Callable[[int], None]:
    if progress is None:
        return lambda checked: None
    return lambda checked: progress(checked, total)


def _record(row: EventRow) -> EventRecord:
    seq, ts_ms, event_type, payload, prev_hash, digest = row
    return EventRecord(
        seq=seq, ts_ms=ts_ms, type=event_type, payload=payload, prev_hash=prev_hash, hash=digest
    )


def _where(row: EventRow) -> str:
    return f"events[seq={row[0]}] ({row[2]})"
