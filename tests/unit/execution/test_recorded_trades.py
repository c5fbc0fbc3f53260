"""The shell's memory of recorded trade ids: topped up from the ledger, forgetting what the
exchange can no longer report."""

from __future__ import annotations

from tests.unit.execution.test_reconcile_core import RULES, T0, fill

from bot.execution.reconcile_events import order_filled
from bot.execution.recorded_trades import RecordedTrades
from bot.store import Database


def record_fill(db: Database, trade_id: str, ts_ms: int) -> None:
    with db.unit_of_work() as uow:
        uow.record(order_filled(fill(trade_id, "f1", None, ts_ms=ts_ms), RULES["BTCTRY"], None))
        uow.commit()


def test_recorded_trades_are_known_as_the_ledger_grows_and_forgotten_once_too_old_to_be_reported():
    memory = RecordedTrades()
    with Database.in_memory() as db:
        record_fill(db, "t1", T0)
        assert memory.known_among(db, ["t1", "t2"], since_ms=0) == {"t1"}
        record_fill(db, "t2", T0 + 10)
        assert memory.known_among(db, ["t1", "t2", "t3"], since_ms=0) == {"t1", "t2"}
        record_fill(db, "t3", T0 + 20)  # the cursor moved on: t1 can no longer be reported
        assert memory.known_among(db, ["t1", "t2", "t3"], since_ms=T0 + 5) == {"t2", "t3"}
        assert RecordedTrades().known_among(db, ["t1", "t3"], since_ms=0) == {"t1", "t3"}  # a restart
