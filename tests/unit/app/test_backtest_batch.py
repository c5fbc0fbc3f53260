"""A backtest commits its cycles in batches; trading against an exchange never does.

Within a batch every unit of work is a savepoint: one that fails rolls back alone. Other
processes see a batch only once it is committed, and the head marker follows the commits, so a
crash mid-batch leaves a ledger and marker that agree: the next start passes its checks with the
cycles of the last committed batch, and nothing of the lost ones.
"""

from __future__ import annotations

import shutil
import sqlite3
from pathlib import Path

import pytest

from bot.app.ledger_access import LedgerGuard, backtest_batch, open_checked
from bot.config import Settings
from bot.domain.events import EventType
from bot.store import Database, StoreError
from bot.store.ledger_events import from_mapping
from bot.testing import FakeClock

T0 = 1_700_000_000_000


def cycle(db: Database, n: int) -> None:
    with db.unit_of_work() as uow:
        uow.record(from_mapping(EventType.STATE_CHANGED, {"key": f"cycle{n}", "value": "done", "ts_ms": T0}))
        uow.commit()


def committed_keys(path: Path) -> set[str]:
    with sqlite3.connect(path) as other:  # another process's view: committed data only
        return {key for (key,) in other.execute("SELECT key FROM state WHERE key LIKE 'cycle%'")}


def test_other_processes_see_a_batch_only_once_it_is_committed(tmp_path: Path) -> None:
    path = tmp_path / "ledger.db"
    with open_checked(path, synchronous="NORMAL", clock=FakeClock(T0)) as db:
        guard = LedgerGuard(db, FakeClock(T0), interval_events=10_000, batch_cycles=3)
        for n in range(1, 3):
            cycle(db, n)
            guard.after_cycle()
        assert committed_keys(path) == set()
        cycle(db, 3)
        guard.after_cycle()
        assert committed_keys(path) == {"cycle1", "cycle2", "cycle3"}
        cycle(db, 4)
        guard.after_cycle()
        guard.close()  # a clean stop commits the rest
        assert committed_keys(path) == {"cycle1", "cycle2", "cycle3", "cycle4"}


def test_a_crash_mid_batch_leaves_a_ledger_the_next_start_trusts(tmp_path: Path) -> None:
    path, copy = tmp_path / "ledger.db", tmp_path / "after-crash"
    copy.mkdir()
    db = open_checked(path, synchronous="NORMAL", clock=FakeClock(T0))
    guard = LedgerGuard(db, FakeClock(T0), interval_events=10_000, batch_cycles=4)
    for n in range(1, 7):  # one batch of 4 committed, 2 cycles in flight
        cycle(db, n)
        guard.after_cycle()
    for name in ("ledger.db", "ledger.db-wal", "ledger.db.head"):  # the files as a kill -9 leaves them
        if (tmp_path / name).exists():
            shutil.copy(tmp_path / name, copy / name)
    guard.close()
    db.close()

    with open_checked(copy / "ledger.db", synchronous="NORMAL", clock=FakeClock(T0)) as restarted:
        keys = {k for (k,) in restarted.connection.execute("SELECT key FROM state WHERE key LIKE 'cycle%'")}
    assert keys == {"cycle1", "cycle2", "cycle3", "cycle4"}


def test_a_failed_unit_of_work_in_a_batch_rolls_back_alone() -> None:
    db = Database.in_memory()
    db.begin_batch()
    cycle(db, 1)
    with db.unit_of_work() as uow:
        uow.record(from_mapping(EventType.STATE_CHANGED, {"key": "cycle2", "value": "half", "ts_ms": T0}))
        # leaving without commit: rolled back
    with db.read() as view:
        assert view.state.get("cycle1") == "done" and view.state.get("cycle2") is None
    with pytest.raises(StoreError, match="a unit of work is active"), db.unit_of_work():
        db.flush_batch()
    db.end_batch()
    assert db.state.get("cycle1") == "done"


@pytest.mark.parametrize(
    ("overrides", "expected"),
    [
        ({"market_data": {"source": "replay"}}, 200),
        ({"market_data": {"source": "exchange"}}, 1),
        ({"market_data": {"source": "replay"}, "store": {"backtest_batch_cycles": 1}}, 1),
    ],
)
def test_only_paper_over_a_replay_batches(overrides: dict[str, object], expected: int) -> None:
    settings = Settings.model_validate(overrides)
    assert backtest_batch(settings) == expected


def test_batching_goes_on_after_a_periodic_integrity_check(tmp_path: Path) -> None:
    path = tmp_path / "ledger.db"
    with open_checked(path, synchronous="NORMAL", clock=FakeClock(T0)) as db:
        guard = LedgerGuard(db, FakeClock(T0), interval_events=100, batch_cycles=2)
        for n in range(1, 121):  # a check (after a flush) once 100 events were appended
            cycle(db, n)
            guard.after_cycle()
        checks = db.connection.execute("SELECT COUNT(*) FROM events WHERE type = 'LedgerChecked'").fetchone()[
            0
        ]
        assert checks >= 1
        assert db.batching, "the periodic check must not end the backtest's batching"
        cycle(db, 121)
        guard.after_cycle()
        assert "cycle121" not in committed_keys(path)
        guard.close()
