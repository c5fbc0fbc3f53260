"""Opening the ledger for a command that writes: trust nothing until it is checked.

Every writing command (the three runners, `kill-switch`, `orders settle-not-placed`) opens the
ledger here, and nothing is written before these pass: the file is a ledger (not empty, not
foreign, not newer), it is not behind its head marker (rolled back), and the state a cycle acts on
equals what the events since the last checkpoint say (`bot.store.integrity`). A running daemon
keeps that trust current with `LedgerGuard`.
"""

from __future__ import annotations

import logging
from pathlib import Path

from bot.config import Settings
from bot.domain.clock import Clock
from bot.store import Database, StoreError
from bot.store.event_log import last_seq
from bot.store.head import HeadWriter, check_head, write_head
from bot.store.integrity import check_ledger, events_to_check

log = logging.getLogger(__name__)
LONG_CHECK_EVENTS = 50_000  # about a second of replay: worth a line in the log


def open_checked(path: Path, *, synchronous: str, clock: Clock, create: bool = True) -> Database:
    """The ledger at `path`, checked (LedgerRefused, exit 4, on any doubt) and checkpointed."""
    if synchronous not in ("FULL", "NORMAL"):
        raise StoreError(f"store.synchronous must be FULL or NORMAL, got {synchronous!r}")
    database = Database.open(path, synchronous="FULL" if synchronous == "FULL" else "NORMAL", create=create)
    try:
        guard = LedgerGuard(database, clock, interval_events=0)
        guard.check()
    except BaseException:
        database.close()
        raise
    return database


class LedgerGuard:
    """Keeps a daemon's ledger trusted: the head marker after every commit and an incremental
    integrity check (with a new checkpoint) every `interval_events` events.

    With `batch_cycles` > 1 (a backtest: `backtest_batch`) the cycles commit in batches; the head
    marker then follows each batch's commit, never an uncommitted one, so a crash mid-batch
    leaves a ledger and marker that agree.
    """

    def __init__(
        self, database: Database, clock: Clock, *, interval_events: int, batch_cycles: int = 1
    ) -> None:
        self._db = database
        self._clock = clock
        self._interval = interval_events
        self._checked_through = 0
        self._head: HeadWriter | None = None
        self._batch_cycles = batch_cycles
        self._cycles = 0
        if batch_cycles > 1:
            database.begin_batch()

    def check(self) -> None:
        """Refuse a rolled-back or damaged ledger; checkpoint and mark its head if it passes."""
        check_head(self._db.path, self._db.connection)
        pending = events_to_check(self._db.connection)
        if pending > LONG_CHECK_EVENTS:
            log.warning(
                "checking the ledger's events since its last checkpoint (once; later checks start here)",
                extra={"fields": {"events": pending}},
            )
        report = check_ledger(self._db, now_ms=self._clock.now_ms())
        if self._db.batching:
            # The check's checkpoint went into the open batch: commit it before the marker names it,
            # or a crash before the next flush would leave a ledger behind its own head marker.
            self._db.flush_batch()
        self._checked_through = last_seq(self._db.connection)
        self._release_head()  # the rename below replaces the file an open writer points at
        write_head(self._db.path, self._db.connection)
        if report.replayed > LONG_CHECK_EVENTS:
            log.info(
                "ledger checked",
                extra={"fields": {"events": report.events, "replayed": report.replayed}},
            )

    def after_cycle(self) -> None:
        """Mark the head; re-check once enough events were appended since the last check."""
        self._cycles += 1
        if self._db.batching:
            if self._cycles % self._batch_cycles:
                return
            self._db.flush_batch()
        if self._interval and last_seq(self._db.connection) - self._checked_through >= self._interval:
            self.check()
            return
        if self._head is None:
            self._head = HeadWriter(self._db.path)
        self._head.write(self._db.connection)

    def close(self) -> None:
        """Commit a batch still open and mark its head; release the marker file."""
        if self._db.batching:
            self._db.end_batch()
            if self._head is None:
                self._head = HeadWriter(self._db.path)
            self._head.write(self._db.connection)
        self._release_head()

    def _release_head(self) -> None:
        if self._head is not None:
            self._head.close()
            self._head = None


def backtest_batch(settings: Settings) -> int:
    """Cycles per commit: `store.backtest_batch_cycles` for paper over a replay, else 1."""
    backtest = settings.mode == "paper" and settings.market_data.source == "replay"
    return settings.store.backtest_batch_cycles if backtest else 1
