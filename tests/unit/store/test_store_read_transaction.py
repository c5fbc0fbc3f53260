"""Reads that only look take no write lock: they work while another process writes, and nothing
can be recorded through them."""

from __future__ import annotations

import sqlite3

import pytest

from bot.cycle.ledger_view import read_ledger_view
from bot.domain.events import EventType
from bot.execution.recovery import recover
from bot.store import Database, StoreError
from bot.store.ledger_events import from_mapping


class NothingUnresolved:
    def probe(self, client_order_id: str) -> None:
        raise AssertionError("nothing was pending")

    def resolve_all(self) -> int:
        return 0


@pytest.fixture
def ledger(tmp_path):
    path = tmp_path / "ledger.sqlite"
    db = Database.open(path)
    with db.unit_of_work() as uow:
        uow.record(from_mapping(EventType.STATE_CHANGED, {"key": "k", "value": "v1", "ts_ms": 1}))
        uow.commit()
    db.connection.execute("PRAGMA busy_timeout = 0")  # a wait for the lock would fail at once
    other = sqlite3.connect(path, isolation_level=None)
    yield db, other
    other.close()
    db.close()


def test_a_read_sees_a_snapshot_while_another_process_holds_the_write_lock(ledger):
    db, other = ledger
    other.execute("BEGIN IMMEDIATE")
    other.execute("UPDATE state SET value = 'v2' WHERE key = 'k'")
    with db.read() as view:
        assert view.state.get("k") == "v1"  # the committed snapshot, without waiting
    with pytest.raises(StoreError, match="cannot start a ledger transaction"), db.unit_of_work():
        pass
    other.execute("ROLLBACK")


def test_the_cycle_view_and_startup_recovery_read_without_the_write_lock(ledger):
    db, other = ledger
    other.execute("BEGIN IMMEDIATE")
    view = read_ledger_view(db, ["BTCTRY"])
    assert list(view.working_orders) == []
    assert recover(db, NothingUnresolved()) == 0  # type: ignore[arg-type]  # nothing pending: the resolver is only asked
    other.execute("ROLLBACK")


def test_a_read_does_not_nest_with_a_unit_of_work_and_records_nothing(ledger):
    db, _ = ledger
    with db.unit_of_work(), pytest.raises(StoreError, match="do not nest"):
        db.read()
    with db.read() as view:
        assert not hasattr(view, "record")
    with db.unit_of_work() as uow:  # the read ended cleanly: writing works again
        uow.commit()
