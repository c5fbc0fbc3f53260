"""The ledger guard keeps a running daemon's head marker current and re-checks every N events."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from bot.app.ledger_access import LedgerGuard, open_checked
from bot.domain.events import EventType
from bot.store import Database
from bot.store.errors import LedgerRefused
from bot.store.head import read_head
from bot.store.ledger_events import from_mapping
from bot.testing import FakeClock

T0 = 1_700_000_000_000


def _append(db: Database, n: int, start: int = 0) -> None:
    with db.unit_of_work() as uow:
        for i in range(n):
            uow.record(
                from_mapping(EventType.STATE_CHANGED, {"key": f"k{start + i}", "value": "v", "ts_ms": T0})
            )
        uow.commit()


def test_the_head_marker_follows_every_cycle_across_periodic_checks(tmp_path: Path) -> None:
    path = tmp_path / "ledger.db"
    with open_checked(path, synchronous="NORMAL", clock=FakeClock(T0)) as db:
        guard = LedgerGuard(db, FakeClock(T0), interval_events=100)
        for cycle in range(12):  # 30 events a cycle: a check (and a new checkpoint) every 4 cycles
            _append(db, 30, start=cycle * 30)
            guard.after_cycle()
            head = read_head(path)
            assert head is not None and head.seq == db.events.count(), cycle
        checkpoints = db.connection.execute(
            "SELECT COUNT(*) FROM events WHERE type = 'LedgerChecked'"
        ).fetchone()[0]
        assert checkpoints == 3
        guard.close()


def test_a_running_daemon_refuses_a_ledger_edited_under_it_at_its_next_check(tmp_path: Path) -> None:
    path = tmp_path / "ledger.db"
    with open_checked(path, synchronous="NORMAL", clock=FakeClock(T0)) as db:
        guard = LedgerGuard(db, FakeClock(T0), interval_events=100)
        _append(db, 50)
        guard.after_cycle()
        with sqlite3.connect(path) as other:  # someone edits the state while the daemon runs
            other.execute("UPDATE state SET value = 'edited' WHERE key = 'k3'")
        _append(db, 60, start=50)
        with pytest.raises(LedgerRefused, match=r"state\[key=k3\]"):
            guard.after_cycle()
        guard.close()


def test_in_a_backtest_batch_the_head_marker_never_names_an_uncommitted_checkpoint(tmp_path: Path) -> None:
    path = tmp_path / "ledger.db"
    with open_checked(path, synchronous="NORMAL", clock=FakeClock(T0)) as db:
        guard = LedgerGuard(db, FakeClock(T0), interval_events=100, batch_cycles=2)
        for cycle in range(8):  # a periodic check falls on a batch's flush more than once
            _append(db, 30, start=cycle * 30)
            guard.after_cycle()
            head = read_head(path)
            if head is None:
                continue
            with sqlite3.connect(f"file:{path}?mode=ro", uri=True) as other:  # what survives a kill -9
                committed = other.execute("SELECT COALESCE(MAX(seq), 0) FROM events").fetchone()[0]
            assert head.seq <= committed, (cycle, head.seq, committed)
        guard.close()
