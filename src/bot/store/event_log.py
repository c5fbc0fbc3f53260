"""The append-only, hash-chained event log (ADR 0001).

`hash = sha256(prev_hash | seq | ts_ms | type | payload)` as lowercase hex, over the UTF-8 bytes of
the five fields joined by `|`; the first event's `prev_hash` is 64 zeros.
"""

from __future__ import annotations

import hashlib
import sqlite3
from collections.abc import Iterator
from dataclasses import dataclass

GENESIS_HASH = "0" * 64


@dataclass(frozen=True, slots=True, kw_only=True)
class EventRecord:
    seq: int
    ts_ms: int
    type: str
    payload: str  # canonical JSON text
    prev_hash: str
    hash: str


def event_hash(*, prev_hash: str, seq: int, ts_ms: int, event_type: str, payload: str) -> str:
    text = f"{prev_hash}|{seq}|{ts_ms}|{event_type}|{payload}"
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def append(conn: sqlite3.Connection, *, ts_ms: int, event_type: str, payload: str) -> EventRecord:
    """Append one event after the current last one. Call inside the caller's transaction."""
    row = conn.execute("SELECT seq, hash FROM events ORDER BY seq DESC LIMIT 1").fetchone()
    seq, prev_hash = (int(row[0]) + 1, str(row[1])) if row else (1, GENESIS_HASH)
    digest = event_hash(prev_hash=prev_hash, seq=seq, ts_ms=ts_ms, event_type=event_type, payload=payload)
    record = EventRecord(
        seq=seq, ts_ms=ts_ms, type=event_type, payload=payload, prev_hash=prev_hash, hash=digest
    )
    insert(conn, record)
    return record


def insert(conn: sqlite3.Connection, record: EventRecord) -> None:
    """Store a record as is (verify copies the live log into its scratch database this way)."""
    conn.execute(
        "INSERT INTO events (seq, ts_ms, type, payload, prev_hash, hash) VALUES (?, ?, ?, ?, ?, ?)",
        (record.seq, record.ts_ms, record.type, record.payload, record.prev_hash, record.hash),
    )


def iterate(conn: sqlite3.Connection) -> Iterator[EventRecord]:
    """Every event in sequence order, streamed."""
    return iterate_from(conn, 1)


def chain_problem(record: EventRecord, *, expected_seq: int, prev_hash: str) -> str | None:
    """What is wrong with `record` as the event after one with hash `prev_hash`, or None."""
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


def iterate_from(conn: sqlite3.Connection, first_seq: int) -> Iterator[EventRecord]:
    """Events with seq >= first_seq in sequence order, streamed."""
    cursor = conn.execute(
        "SELECT seq, ts_ms, type, payload, prev_hash, hash FROM events WHERE seq >= ? ORDER BY seq",
        (first_seq,),
    )
    for seq, ts_ms, event_type, payload, prev_hash, digest in cursor:
        yield EventRecord(
            seq=seq, ts_ms=ts_ms, type=event_type, payload=payload, prev_hash=prev_hash, hash=digest
        )


# One event as stored: (seq, ts_ms, type, payload, prev_hash, hash).
EventRow = tuple[int, int, str, str, str, str]
_COLUMNS = "seq, ts_ms, type, payload, prev_hash, hash"


def rows(conn: sqlite3.Connection) -> Iterator[EventRow]:
    """Every event in sequence order as a plain row, streamed by SQLite's cursor: no object per
    event and never the whole log in memory (`ledger verify` walks a million events this way)."""
    cursor: Iterator[EventRow] = conn.execute(f"SELECT {_COLUMNS} FROM events ORDER BY seq")
    return cursor


def rows_of_type(conn: sqlite3.Connection, event_type: str, *, through_seq: int) -> Iterator[EventRow]:
    """The events of one type with seq <= through_seq in sequence order, streamed (by the type index)."""
    cursor: Iterator[EventRow] = conn.execute(
        f"SELECT {_COLUMNS} FROM events WHERE type = ? AND seq <= ? ORDER BY seq", (event_type, through_seq)
    )
    return cursor


def hash_at(conn: sqlite3.Connection, seq: int) -> str | None:
    """The stored hash of event `seq` (the genesis hash for seq 0), or None if there is none."""
    if seq == 0:
        return GENESIS_HASH
    row = conn.execute("SELECT hash FROM events WHERE seq = ?", (seq,)).fetchone()
    return None if row is None else str(row[0])


def last_seq(conn: sqlite3.Connection) -> int:
    return int(conn.execute("SELECT COALESCE(MAX(seq), 0) FROM events").fetchone()[0])


def count(conn: sqlite3.Connection) -> int:
    return int(conn.execute("SELECT COUNT(*) FROM events").fetchone()[0])


def last_hash(conn: sqlite3.Connection) -> str:
    """The hash of the newest event, or the genesis hash (64 zeros) for an empty log."""
    row = conn.execute("SELECT hash FROM events ORDER BY seq DESC LIMIT 1").fetchone()
    return str(row[0]) if row else GENESIS_HASH


def has_type(conn: sqlite3.Connection, event_type: str) -> bool:
    return conn.execute("SELECT 1 FROM events WHERE type = ? LIMIT 1", (event_type,)).fetchone() is not None
