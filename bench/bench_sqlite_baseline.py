"""The storage limit: a plain sqlite3 loop writing what a stage-7 cycle writes, nothing else.

Per cycle it inserts the cycle's events (rows of the events table's shape and the measured
average size, hashes precomputed: no hashing, no JSON, no projection logic) and upserts the
cycle's projection rows into one keyed table; WAL, as the ledger. It commits once per cycle,
once per unit of work (as a run against an exchange commits) or once per 200 cycles (as a
backtest commits). What the bot spends beyond this is not the disk's or SQLite's cost.
"""

from __future__ import annotations

import os
import sqlite3
import time
from dataclasses import dataclass
from pathlib import Path

SCHEMA = """
CREATE TABLE events (seq INTEGER PRIMARY KEY, ts_ms INTEGER NOT NULL, type TEXT NOT NULL,
    payload TEXT NOT NULL, prev_hash TEXT NOT NULL, hash TEXT NOT NULL) STRICT;
CREATE INDEX events_type ON events (type);
CREATE TABLE projection (key TEXT PRIMARY KEY, value TEXT NOT NULL, updated_ms INTEGER NOT NULL) STRICT;
"""
UPSERT = (
    "INSERT INTO projection (key, value, updated_ms) VALUES (?, ?, ?) ON CONFLICT (key) DO UPDATE"
    " SET value = excluded.value, updated_ms = excluded.updated_ms"
)
PROJECTION_KEYS = 1_000  # the keyed table stays this small: mostly updates, as state and positions
EVENT_TYPES = ("CycleStarted", "DecisionRecorded", "StatePatched", "StateChanged", "CycleCompleted")


@dataclass(frozen=True, slots=True, kw_only=True)
class CycleShape:
    """What one cycle writes, on average (fractions spread over cycles)."""

    events: float
    payload_bytes: float
    projection_writes: float
    projection_row_bytes: float
    units_of_work: float  # transactions per cycle when every unit of work commits


def _count(per_cycle: float, cycle: int) -> int:
    """Rows in cycle `cycle` so that n cycles write round(n x per_cycle) rows in all."""
    return int((cycle + 1) * per_cycle) - int(cycle * per_cycle)


def cycles_per_second(
    folder: Path, shape: CycleShape, *, synchronous: str, commit: str, seconds: float, min_cycles: int = 50
) -> float:
    """Cycles per second of the plain loop; `commit` is "cycle", "unit" or "batch200"."""
    path = folder / f"raw-{synchronous}-{commit}.sqlite"
    conn = sqlite3.connect(path, isolation_level=None)
    try:
        conn.execute("PRAGMA journal_mode = WAL")
        conn.execute(f"PRAGMA synchronous = {synchronous}")
        conn.executescript(SCHEMA)
        return _loop(conn, shape, commit, seconds, min_cycles)
    finally:
        conn.close()
        for suffix in ("", "-wal", "-shm"):
            Path(f"{path}{suffix}").unlink(missing_ok=True)


def _loop(conn: sqlite3.Connection, shape: CycleShape, commit: str, seconds: float, min_cycles: int) -> float:
    payload = "x" * round(shape.payload_bytes)
    value = "v" * round(shape.projection_row_bytes)
    digest = os.urandom(32).hex()
    seq = 0
    cycle = 0
    started = time.perf_counter()
    conn.execute("BEGIN IMMEDIATE")
    while cycle < min_cycles or time.perf_counter() - started < seconds:
        events = _count(shape.events, cycle)
        writes = _count(shape.projection_writes, cycle)
        units = max(1, _count(shape.units_of_work, cycle)) if commit == "unit" else 1
        for unit in range(units):
            for i in range(unit * events // units, (unit + 1) * events // units):
                seq += 1
                conn.execute(
                    "INSERT INTO events VALUES (?, ?, ?, ?, ?, ?)",
                    (seq, cycle, EVENT_TYPES[i % len(EVENT_TYPES)], payload, digest, digest),
                )
            for j in range(unit * writes // units, (unit + 1) * writes // units):
                conn.execute(UPSERT, (f"k{(cycle * 7 + j) % PROJECTION_KEYS}", value, cycle))
            if commit == "unit" or (commit == "cycle" and unit == units - 1):
                conn.execute("COMMIT")
                conn.execute("BEGIN IMMEDIATE")
        cycle += 1
        if commit == "batch200" and cycle % 200 == 0:
            conn.execute("COMMIT")
            conn.execute("BEGIN IMMEDIATE")
    conn.execute("COMMIT")
    return cycle / (time.perf_counter() - started)
