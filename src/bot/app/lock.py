"""Single instance per database: a file lock beside it and a fencing token in the ledger."""

from __future__ import annotations

import os
from pathlib import Path
from types import TracebackType

from filelock import FileLock, Timeout

from bot.domain.clock import Clock
from bot.store.db import FENCING_KEY, Database
from bot.store.errors import StoreError
from bot.store.ledger_events import StateChanged


class InstanceLocked(RuntimeError):
    """Another process holds the database."""


class InstanceLock:
    """Held for the life of a run. The fencing token increases with every acquisition, so a
    stale process can be told apart from the current owner in the ledger."""

    def __init__(self, database_path: Path) -> None:
        self._path = Path(f"{database_path}.lock")
        self._owner = Path(f"{database_path}.lock.owner")
        self._lock = FileLock(str(self._path))
        self.fencing_token = 0

    def acquire(self) -> None:
        try:
            self._lock.acquire(timeout=0)
        except Timeout as e:
            owner = self._owner.read_text().strip() if self._owner.exists() else "unknown"
            raise InstanceLocked(
                f"another bot process holds {self._path} ({owner}); stop it first, "
                "or point this run at a different store.path"
            ) from e
        except OSError as e:
            raise StoreError(
                f"cannot create the lock file {self._path}: {e.strerror or e}; the ledger's folder must"
                " be writable (a read-only filesystem or missing permissions?)"
            ) from e
        self._owner.write_text(f"pid {os.getpid()}\n")

    def record_token(self, database: Database, clock: Clock) -> int:
        """Take the ledger over with a new fencing token and fence every later write on it."""
        with database.unit_of_work() as uow:
            token = int(uow.state.get(FENCING_KEY) or "0") + 1
            uow.record(StateChanged(key=FENCING_KEY, value=str(token), ts_ms=clock.now_ms()))
            uow.commit()
        self.fencing_token = token
        database.fence(token)
        return token

    def release(self) -> None:
        if self._lock.is_locked:
            self._owner.unlink(missing_ok=True)
            self._lock.release()

    def __enter__(self) -> InstanceLock:
        self.acquire()
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.release()
