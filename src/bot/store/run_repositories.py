"""Read-side repositories for cycles, decisions, operational state and the event log."""

from __future__ import annotations

import json
import sqlite3
from decimal import Decimal

from bot.store import event_log
from bot.store.records import CycleRecord, DecisionRecord


class CycleRepository:
    def __init__(self, conn: sqlite3.Connection) -> None:
        self._conn = conn

    def last_cycle_id(self) -> int:
        """The highest cycle id recorded, 0 for a ledger without cycles."""
        return int(self._conn.execute("SELECT COALESCE(MAX(cycle_id), 0) FROM cycles").fetchone()[0])

    def recent(self, n: int) -> list[CycleRecord]:
        """The last `n` cycles, newest first."""
        rows = self._conn.execute(
            "SELECT cycle_id, stage, mode, started_ms, completed_ms, duration_ms, status, counters,"
            " max_data_age_ms FROM cycles ORDER BY cycle_id DESC LIMIT ?",
            (n,),
        )
        return [_cycle(row) for row in rows]

    def last_completed_ms(self) -> int | None:
        """When the newest completed cycle completed; None if none ever did."""
        row = self._conn.execute("SELECT MAX(completed_ms) FROM cycles").fetchone()
        return None if row[0] is None else int(row[0])

    def last_reconciled_ms(self) -> int | None:
        """When the newest cycle whose REST reconcile ran to the end completed (its counters say
        `"reconciled":1`); None if none ever did."""
        row = self._conn.execute(
            "SELECT completed_ms FROM cycles WHERE counters LIKE '%\"reconciled\":1%'"
            " ORDER BY cycle_id DESC LIMIT 1"
        ).fetchone()
        return None if row is None or row[0] is None else int(row[0])

    def since(self, start_ms: int) -> list[CycleRecord]:
        """The cycles that started at or after `start_ms` (and any still running), oldest first.
        Reads back from the newest and stops at the first older cycle: cycle ids grow with time,
        so a window costs its own rows, not the whole table."""
        cursor = self._conn.execute(
            "SELECT cycle_id, stage, mode, started_ms, completed_ms, duration_ms, status, counters,"
            " max_data_age_ms FROM cycles ORDER BY cycle_id DESC"
        )
        found = []
        for row in cursor:
            record = _cycle(row)
            if record.started_ms is not None and record.started_ms < start_ms:
                break
            found.append(record)
        cursor.close()
        return found[::-1]


class DecisionRepository:
    def __init__(self, conn: sqlite3.Connection) -> None:
        self._conn = conn

    def for_cycle(self, cycle_id: int) -> list[DecisionRecord]:
        cursor = self._conn.execute(
            "SELECT id, cycle_id, ts_ms, action_key, symbol, side, kind, verdict, reason_code, layer, price,"
            " requested_quantity, final_quantity, client_order_id, rationale, details"
            " FROM decisions WHERE cycle_id = ? ORDER BY id",
            (cycle_id,),
        )
        return [_decision(row) for row in cursor]


class StateRepository:
    def __init__(self, conn: sqlite3.Connection) -> None:
        self._conn = conn

    def get(self, key: str) -> str | None:
        row = self._conn.execute("SELECT value FROM state WHERE key = ?", (key,)).fetchone()
        return str(row[0]) if row else None


class EventRepository:
    def __init__(self, conn: sqlite3.Connection) -> None:
        self._conn = conn

    def count(self) -> int:
        return event_log.count(self._conn)

    def last_hash(self) -> str:
        return event_log.last_hash(self._conn)

    def all(self) -> list[event_log.EventRecord]:
        return list(event_log.iterate(self._conn))

    def traded_pair(self, symbol: str) -> tuple[str, str] | None:
        """(base, quote) of `symbol` as its first recorded fill named them, if it has one."""
        row = self._conn.execute(
            "SELECT json_extract(payload, '$.base'), json_extract(payload, '$.quote') FROM events"
            " WHERE type = 'OrderFilled' AND json_extract(payload, '$.symbol') = ? ORDER BY seq LIMIT 1",
            (symbol,),
        ).fetchone()
        if row is None or not all(isinstance(v, str) for v in row):
            return None
        return str(row[0]), str(row[1])

    def first_of_type(self, event_type: str) -> event_log.EventRecord | None:
        """The earliest event of `event_type` (e.g. the opening `BalancesSeeded`), if any."""
        row = self._conn.execute(
            "SELECT seq, ts_ms, type, payload, prev_hash, hash FROM events WHERE type = ?"
            " ORDER BY seq LIMIT 1",
            (event_type,),
        ).fetchone()
        if row is None:
            return None
        seq, ts_ms, kind, payload, prev_hash, digest = row
        return event_log.EventRecord(
            seq=seq, ts_ms=ts_ms, type=kind, payload=payload, prev_hash=prev_hash, hash=digest
        )


def _decision(row: tuple[object, ...]) -> DecisionRecord:
    (id_, cycle_id, ts_ms, action_key, symbol, side, kind, verdict, reason_code, layer,
     price, requested, final, client_order_id, rationale, details) = row  # fmt: skip
    return DecisionRecord(
        id=int(str(id_)),
        cycle_id=int(str(cycle_id)),
        ts_ms=int(str(ts_ms)),
        action_key=str(action_key),
        symbol=str(symbol),
        side=None if side is None else str(side),
        kind=str(kind),
        verdict=str(verdict),
        reason_code=str(reason_code),
        layer=str(layer),
        price=_optional_decimal(price),
        requested_quantity=_optional_decimal(requested),
        final_quantity=_optional_decimal(final),
        client_order_id=None if client_order_id is None else str(client_order_id),
        rationale=str(rationale),
        details=json.loads(str(details)),
    )


def _optional_decimal(value: object) -> Decimal | None:
    return None if value is None else Decimal(str(value))


def _cycle(row: tuple[object, ...]) -> CycleRecord:
    (cycle_id, stage, mode, started_ms, completed_ms, duration_ms,
     status, counters, max_data_age_ms) = row  # fmt: skip
    return CycleRecord(
        cycle_id=int(str(cycle_id)),
        stage=None if stage is None else str(stage),
        mode=None if mode is None else str(mode),
        started_ms=_optional_int(started_ms),
        completed_ms=_optional_int(completed_ms),
        duration_ms=_optional_int(duration_ms),
        status=str(status),
        counters=json.loads(str(counters)) if counters else {},
        max_data_age_ms=_optional_int(max_data_age_ms),
    )


def _optional_int(value: object) -> int | None:
    return None if value is None else int(str(value))
