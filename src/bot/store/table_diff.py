"""The first difference between a projection table in two ledgers (live and rebuilt)."""

from __future__ import annotations

import sqlite3
from itertools import zip_longest


def first_difference(
    live: sqlite3.Connection, expected: sqlite3.Connection, table: str, key: str, where: str = ""
) -> str | None:
    """The first row or column where `live` differs from `expected`, in key order, or None.

    `where` (an SQL condition, trusted: callers pass constants) limits both sides to the rows
    that matter, e.g. the working orders.
    """
    columns = [str(row[1]) for row in expected.execute(f"PRAGMA table_info({table})")]
    at = columns.index(key)
    condition = f" WHERE {where}" if where else ""
    sql = f"SELECT {', '.join(columns)} FROM {table}{condition} ORDER BY {key}"
    for ledger_row, expected_row in zip_longest(live.execute(sql), expected.execute(sql)):
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
