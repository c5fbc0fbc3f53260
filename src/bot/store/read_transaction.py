"""A read-only view of the ledger in one consistent snapshot, without the write lock.

Reads that only look (the working orders a cycle acts on, a cursor, an order's status) do not
need `BEGIN IMMEDIATE`: in WAL mode a deferred transaction sees one snapshot and neither waits
for nor blocks a writer, so `bot ledger show` and a daemon's own reads never queue behind a
write. Nothing can be recorded through it.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from types import TracebackType

from bot.store.errors import StoreError
from bot.store.repositories import Repositories


class ReadTransaction(Repositories):
    """Use as `with database.read() as view: view.orders.working()`."""

    def __init__(
        self, conn: sqlite3.Connection, on_close: Callable[[], None], *, nested: bool = False
    ) -> None:
        super().__init__(conn)
        self._conn = conn
        self._on_close = on_close
        self._nested = nested  # inside a backtest's batch: its transaction is the snapshot

    def __enter__(self) -> ReadTransaction:
        if self._nested:
            return self
        try:
            self._conn.execute("BEGIN DEFERRED")
        except sqlite3.Error as e:
            self._on_close()
            raise StoreError(f"cannot read the ledger: {e}") from e
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        try:
            if not self._nested and self._conn.in_transaction:
                self._conn.execute("ROLLBACK")  # nothing was written: ending the snapshot is all
        finally:
            self._on_close()
