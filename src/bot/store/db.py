"""The ledger database: one SQLite connection per process, its PRAGMAs and its migrations."""

from __future__ import annotations

import os
import sqlite3
from collections.abc import Callable
from pathlib import Path
from types import TracebackType
from typing import Literal
from urllib.parse import quote

from bot.store.errors import DatabaseTooNew, FencingLost, LedgerRefused, StoreError
from bot.store.head import marker_path, read_head
from bot.store.migrations import latest_version, migrate, schema_version
from bot.store.read_transaction import ReadTransaction
from bot.store.repositories import Repositories
from bot.store.unit_of_work import UnitOfWork, explain

Synchronous = Literal["FULL", "NORMAL"]
MEMORY = ":memory:"
_Connect = Callable[[], sqlite3.Connection]

_open_paths: set[str] = set()  # files this process holds a connection to
FENCING_KEY = "lock.fencing_token"  # state key: the token of the process that holds the ledger


class Database(Repositories):
    """An open ledger. Repositories hang off it for reads (`database.orders.working()`); writes go
    through `unit_of_work()`. Close it (or use it as a context manager) when done.
    """

    def __init__(self, conn: sqlite3.Connection, path: str, *, readonly: bool) -> None:
        super().__init__(conn)
        self._conn = conn
        self._path = path
        self._readonly = readonly
        self._uow_active = False
        self._fence: str | None = None
        self._batch = False
        self._on_commit: Callable[[float], None] | None = None

    @classmethod
    def open(
        cls, path: str | os.PathLike[str], *, synchronous: Synchronous = "FULL", create: bool = True
    ) -> Database:
        """Open (creating if allowed) and migrate a ledger; `synchronous` is FULL live, NORMAL for backtests.

        A ledger is created only where no file exists and no head marker says one existed
        (`bot.store.head`): an existing file that is empty, not SQLite or has no ledger schema is
        refused (LedgerRefused), never initialised over. Raises DatabaseTooNew, without writing
        anything, for a file from a newer bot, and StoreError for a missing file (create=False), a
        folder it cannot write, or a failed migration.
        """
        if synchronous not in ("FULL", "NORMAL"):
            raise ValueError(f"synchronous must be 'FULL' or 'NORMAL', got {synchronous!r}")
        name = _name(path)
        existed = name != MEMORY and Path(name).exists()
        if name != MEMORY:
            _refuse_unusable_file(name, existed=existed, create=create)
        conn = _claim(name, lambda: sqlite3.connect(name, isolation_level=None))
        try:
            conn.execute("PRAGMA busy_timeout = 5000")
            _check_version(conn, name, allow_older=True, existed=existed)  # before anything that writes
            conn.execute("PRAGMA journal_mode = WAL")
            conn.execute(f"PRAGMA synchronous = {synchronous}")
            conn.execute("PRAGMA foreign_keys = ON")
            migrate(conn)
        except sqlite3.Error as e:
            _release(name, conn)
            raise StoreError(f"cannot open ledger {name}: {e}") from e
        except BaseException:
            _release(name, conn)
            raise
        return cls(conn, name, readonly=False)

    @classmethod
    def open_readonly(cls, path: str | os.PathLike[str]) -> Database:
        """Open an existing, fully migrated ledger for reading only (`bot ledger show/verify`)."""
        name = _name(path)
        if not Path(name).is_file():
            raise StoreError(f"no ledger at {name}")
        uri = f"file:{quote(str(Path(name).resolve()))}?mode=ro"
        conn = _claim(name, lambda: sqlite3.connect(uri, uri=True, isolation_level=None))
        try:
            conn.execute("PRAGMA busy_timeout = 5000")
            _check_version(conn, name, allow_older=False, existed=True)
            conn.execute("PRAGMA query_only = ON")
        except BaseException:
            _release(name, conn)
            raise
        return cls(conn, name, readonly=True)

    @classmethod
    def in_memory(cls) -> Database:
        """A private, migrated scratch ledger (verify rebuilds projections into one)."""
        return cls.open(MEMORY, synchronous="NORMAL")

    @property
    def path(self) -> str:
        return self._path

    @property
    def schema_version(self) -> int:
        return schema_version(self._conn)

    @property
    def connection(self) -> sqlite3.Connection:
        """The raw connection, for the store's own modules (verify) and tests; others use repositories."""
        return self._conn

    def unit_of_work(self) -> UnitOfWork:
        """A new unit of work; only one may be active at a time on this connection."""
        if self._readonly:
            raise StoreError(f"{self._path} is open read-only")
        if self._uow_active:
            raise StoreError("a unit of work is already active on this ledger (they do not nest)")
        self._uow_active = True
        return UnitOfWork(
            self._conn,
            on_close=self._uow_closed,
            fence=self._check_fence,
            nested=self._batch,
            on_commit=self._on_commit,
        )

    def observe_commits(self, on_commit: Callable[[float], None] | None) -> None:
        """`on_commit(seconds)` after every COMMIT a unit of work makes (tracing records a span)."""
        self._on_commit = on_commit

    def begin_batch(self) -> None:
        """Backtests only: from now on units of work commit into one long transaction that
        `flush_batch` commits every few cycles, instead of committing each on its own. A crash
        loses the cycles since the last flush, whole (the ledger stays consistent, and a backtest
        can be rerun); live and paper trading against an exchange never batch, because an order
        sent must be preceded by its committed write-ahead intent."""
        if self._batch:
            return
        if self._uow_active:
            raise StoreError("a unit of work is active: a batch starts between them")
        self._begin_immediate()
        self._batch = True

    def flush_batch(self) -> None:
        """Commit the batch so far and go on batching."""
        if self._batch:
            self._commit_batch()
            try:
                self._begin_immediate()
            except BaseException:
                self._batch = False  # nothing is open any more
                raise

    def end_batch(self) -> None:
        """Commit the batch and return to one commit per unit of work."""
        if self._batch:
            self._batch = False
            self._commit_batch()

    @property
    def batching(self) -> bool:
        return self._batch

    def _begin_immediate(self) -> None:
        try:
            self._conn.execute("BEGIN IMMEDIATE")
            self._check_fence()
        except sqlite3.Error as e:
            raise StoreError(f"cannot start a ledger transaction: {explain(e)}") from e
        except BaseException:
            self._conn.execute("ROLLBACK")
            raise

    def _commit_batch(self) -> None:
        if self._uow_active:
            raise StoreError("a unit of work is active: a batch commits between them")
        if not self._conn.in_transaction:
            # SQLite rolled the batch back itself (a disk or I/O error, already reported by the
            # unit of work that met it): nothing is left to commit.
            self._batch = False
            return
        try:
            self._conn.execute("COMMIT")
        except sqlite3.Error as e:
            self._batch = False
            if self._conn.in_transaction:
                self._conn.execute("ROLLBACK")
            raise StoreError(f"cannot commit to the ledger: {explain(e)}") from e

    def read(self) -> ReadTransaction:
        """A consistent snapshot for reading only: no write lock, no fencing check, nothing recorded.
        Like a unit of work, it does not nest with another transaction on this connection."""
        if self._uow_active:
            raise StoreError("a unit of work is already active on this ledger (they do not nest)")
        self._uow_active = True
        return ReadTransaction(self._conn, on_close=self._uow_closed, nested=self._batch)

    def fence(self, token: int) -> None:
        """From now on every write transaction first checks that the ledger's fencing token is still
        `token`: once another process has taken the ledger over (a newer token), writes raise
        FencingLost instead of interleaving with the new owner's."""
        self._fence = str(token)

    def _check_fence(self) -> None:
        if self._fence is None:
            return
        row = self._conn.execute("SELECT value FROM state WHERE key = ?", (FENCING_KEY,)).fetchone()
        current = None if row is None else str(row[0])
        if current != self._fence:
            raise FencingLost(
                f"ledger {self._path} was taken over by another process (fencing token {current},"
                f" this process holds {self._fence}); this process stops writing. Check that only"
                " one bot runs on this ledger (a stale lock on a network filesystem, a paused VM)"
            )

    def close(self) -> None:
        """Close the connection; a batch still open is committed first (a clean stop keeps it)."""
        try:
            self.end_batch()
        finally:
            _release(self._path, self._conn)

    def __enter__(self) -> Database:
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, traceback: TracebackType | None
    ) -> None:
        self.close()

    def _uow_closed(self) -> None:
        self._uow_active = False


def _name(path: str | os.PathLike[str]) -> str:
    text = os.fspath(path)
    return text if text == MEMORY else str(Path(text).resolve())


def _claim(name: str, connect: _Connect) -> sqlite3.Connection:
    if name != MEMORY and name in _open_paths:
        raise StoreError(f"{name} is already open in this process (one connection per process)")
    try:
        conn = connect()
    except sqlite3.Error as e:
        raise StoreError(f"cannot open ledger {name}: {e}") from e
    if name != MEMORY:
        _open_paths.add(name)
    return conn


def _release(name: str, conn: sqlite3.Connection) -> None:
    conn.close()
    _open_paths.discard(name)


def _refuse_unusable_file(name: str, *, existed: bool, create: bool) -> None:
    """Refuse, before connecting, what SQLite would otherwise open (or create) silently."""
    path = Path(name)
    if not existed:
        if not create:
            raise StoreError(f"no ledger at {name} (and create=False)")
        head = read_head(name)
        if head is not None:
            raise LedgerRefused(
                f"no ledger at {name}, but {marker_path(name).name} beside it says one reached event"
                f" {head.seq}: it was deleted or moved. Restore it; to start a new ledger here on"
                f" purpose, run `bot ledger init --db {name}` (runbooks/ledger-refused-at-start.md)"
            )
        folder = path.parent
        if not os.access(folder, os.W_OK | os.X_OK):
            raise StoreError(f"cannot create ledger {name}: the folder {folder} is not writable")
        return
    if path.is_dir():
        raise StoreError(f"{name} is a folder, not a ledger file; point store.path at a file")
    if path.stat().st_size == 0:
        raise LedgerRefused(
            f"ledger {name} refused: the file is empty (0 bytes): it was truncated or never written."
            f" Restore it from a backup; to start a new ledger on purpose, move it away and run"
            f" `bot ledger init --db {name}` (runbooks/ledger-refused-at-start.md)"
        )
    for target in (path, path.parent):
        if not os.access(target, os.W_OK):
            raise StoreError(
                f"ledger {name} cannot be written: {target} is read-only (a read-only filesystem or"
                " missing permissions). Writing commands need the file and its folder writable (the"
                " -wal and -shm files live beside it); `bot ledger show` and `verify` only read"
            )


def _check_version(conn: sqlite3.Connection, name: str, *, allow_older: bool, existed: bool) -> None:
    """Refuse a file that is not a ledger or is newer than this code, reading only."""
    known = latest_version()
    try:
        version = schema_version(conn)
        tables = int(conn.execute("SELECT COUNT(*) FROM sqlite_master").fetchone()[0])
    except sqlite3.DatabaseError as e:
        raise LedgerRefused(
            f"{name} is not a bot ledger (not a readable SQLite database: {e}); restore it from a"
            " backup (runbooks/ledger-refused-at-start.md)"
        ) from e
    if version > known:
        raise DatabaseTooNew(
            f"{name}: ledger schema version {version} is newer than this bot knows (up to {known});"
            " upgrade bot to open it"
        )
    if version == 0 and tables > 0:
        raise LedgerRefused(
            f"{name} is a SQLite database but not a bot ledger (tables without a schema version);"
            " point store.path at the ledger file"
        )
    if version == 0 and existed:
        raise LedgerRefused(
            f"ledger {name} refused: the file has no ledger schema and no events (an empty SQLite"
            " file, or a ledger whose -wal file was lost before its first checkpoint). Restore it"
            f" and its -wal file; to start a new ledger on purpose, move it away and run"
            f" `bot ledger init --db {name}` (runbooks/ledger-refused-at-start.md)"
        )
    if not allow_older and version < known:
        raise StoreError(
            f"{name}: ledger schema version {version} is older than {known};"
            " run any writing command (e.g. `bot kill-switch status`) once to migrate it"
        )
