"""The unit of work: one IMMEDIATE transaction that rolls back unless told to commit."""

from __future__ import annotations

import sqlite3
import time
from collections.abc import Callable
from types import TracebackType

from bot.store import event_log, projections
from bot.store.errors import StoreError
from bot.store.ledger_events import LedgerEvent
from bot.store.payloads import dumps
from bot.store.repositories import Repositories


class UnitOfWork(Repositories):
    """Use as `with database.unit_of_work() as uow: ...; uow.commit()`.

    Entering takes the write lock (BEGIN IMMEDIATE); leaving without `commit()` rolls back.
    Repositories (`uow.orders`, `uow.balances`, ...) see this transaction's own writes.
    """

    def __init__(
        self,
        conn: sqlite3.Connection,
        on_close: Callable[[], None],
        fence: Callable[[], None] = lambda: None,
        *,
        nested: bool = False,
        on_commit: Callable[[float], None] | None = None,
    ) -> None:
        super().__init__(conn)
        self._conn = conn
        self._on_close = on_close
        self._fence = fence
        self._on_commit = on_commit  # told how long each real COMMIT took (a span, when tracing)
        self._active = False
        # Inside a backtest's batch (`Database.begin_batch`): a savepoint of the batch's
        # transaction, which already holds the write lock and checked the fencing token.
        self._nested = nested

    def __enter__(self) -> UnitOfWork:
        if self._nested:
            self._conn.execute("SAVEPOINT unit_of_work")
            self._active = True
            return self
        try:
            self._conn.execute("BEGIN IMMEDIATE")
        except sqlite3.OperationalError as e:
            self._on_close()
            raise StoreError(f"cannot start a ledger transaction: {explain(e)}") from e
        try:
            self._fence()  # under the write lock: no other writer can change the token meanwhile
        except BaseException:
            self._conn.execute("ROLLBACK")
            self._on_close()
            raise
        self._active = True
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        if self._active:
            self.rollback()

    def record(self, event: LedgerEvent) -> bool:
        """Apply an event to the projections and, if it is new, append it to the hash-chained log.

        Returns False (and appends nothing) when the event is an idempotent duplicate per ADR 0001.
        Raises TypeError for a float where a Decimal belongs, StoreError for an event the
        projections refuse (an unknown order, a patch that does not apply, a non-positive fill).
        """
        self._require_active()
        # The payload holds only JSON's own types and `decode` reads it back into an equal event
        # (property-tested), so the projections see the same values live and in verify.
        text = dumps(event.payload())
        ts_ms = event.ts_ms
        if type(ts_ms) is not int:
            raise StoreError(
                f"{event.TYPE} payload: 'ts_ms' must be integer epoch milliseconds, got {ts_ms!r}"
            )
        # A savepoint keeps a failed record from leaving half a projection in the transaction.
        try:
            self._conn.execute("SAVEPOINT record_event")
            is_new = projections.apply(self._conn, event)
            if is_new:
                event_log.append(self._conn, ts_ms=ts_ms, event_type=event.TYPE.value, payload=text)
        except BaseException as e:
            if self._conn.in_transaction:
                self._conn.execute("ROLLBACK TO record_event")
                self._conn.execute("RELEASE record_event")
            if isinstance(e, sqlite3.Error):
                raise StoreError(f"cannot record {event.TYPE}: {explain(e)}") from e
            raise
        self._conn.execute("RELEASE record_event")
        return is_new

    def commit(self) -> None:
        """Commit everything recorded so far; the unit of work is finished afterwards.

        A commit the disk refuses raises StoreError and leaves nothing of this unit recorded.
        """
        self._require_active()
        if self._nested:
            self._conn.execute("RELEASE unit_of_work")
            self._finish()
            return
        started = time.monotonic()
        try:
            self._conn.execute("COMMIT")
        except sqlite3.Error as e:
            self.rollback()
            raise StoreError(f"cannot commit to the ledger: {explain(e)}") from e
        if self._on_commit is not None:
            self._on_commit(time.monotonic() - started)
        self._finish()

    def rollback(self) -> None:
        self._require_active()
        try:
            # After a disk or I/O error SQLite may already have rolled back the whole transaction,
            # a backtest batch included: then there is no savepoint left to roll back to.
            if self._conn.in_transaction:
                if self._nested:
                    self._conn.execute("ROLLBACK TO unit_of_work")
                    self._conn.execute("RELEASE unit_of_work")
                else:
                    self._conn.execute("ROLLBACK")
        finally:
            self._finish()

    def _finish(self) -> None:
        self._active = False
        self._on_close()

    def _require_active(self) -> None:
        if not self._active:
            raise StoreError("this unit of work is not active (use it in a `with` block, before commit)")


def explain(error: sqlite3.Error) -> str:
    """SQLite's message, with what the operator can do for the failures they can fix."""
    text = str(error)
    code = getattr(error, "sqlite_errorcode", None)
    if code == sqlite3.SQLITE_FULL or "disk is full" in text:
        return f"{text}: the disk holding the ledger is full; free space there and start again"
    if code == sqlite3.SQLITE_READONLY or "readonly" in text:
        return f"{text}: the ledger or its folder is read-only; make both writable"
    if code == sqlite3.SQLITE_BUSY or "locked" in text:
        return f"{text}: another process holds the ledger's write lock too long"
    return text
