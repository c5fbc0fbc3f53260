"""A full disk at the write-ahead commit: the submit is never sent, and the error says why."""

from __future__ import annotations

from decimal import Decimal as D
from pathlib import Path

import pytest
from tests.unit.execution.test_executor import BUY, DATASET, T0, parts, plan
from tests.unit.execution.test_executor import env as env  # the executor tests' fixture

from bot.domain.events import EventType
from bot.domain.orders import SubmitAck, SubmitOrder
from bot.store import Database, StoreError
from bot.store.ledger_events import from_mapping


class CountsSubmits:
    """Wraps a gateway; counts what would leave for the exchange."""

    def __init__(self, inner: object) -> None:
        self._inner = inner
        self.submits: list[SubmitOrder] = []

    def submit_order(self, order: SubmitOrder) -> SubmitAck:
        self.submits.append(order)
        return self._inner.submit_order(order)  # type: ignore[attr-defined]

    def __getattr__(self, name: str) -> object:
        return getattr(self._inner, name)


def fill_the_disk(db: Database) -> None:
    """Commit small events until the ledger may not grow by another page: the disk is full."""
    pages = db.connection.execute("PRAGMA page_count").fetchone()[0]
    db.connection.execute(f"PRAGMA max_page_count = {pages + 2}")
    for n in range(10_000):
        try:
            with db.unit_of_work() as uow:
                uow.record(
                    from_mapping(EventType.STATE_CHANGED, {"key": f"filler.{n}", "value": "x", "ts_ms": T0})
                )
                uow.commit()
        except StoreError:
            return
    raise AssertionError("the ledger never filled up")


def test_no_order_is_sent_when_the_write_ahead_commit_fails_for_a_full_disk(env, tmp_path: Path) -> None:
    clock, paper, _ = env
    gateway = CountsSubmits(paper)
    with Database.open(tmp_path / "ledger.db") as db:
        with db.unit_of_work() as uow:
            uow.record(
                from_mapping(EventType.BALANCES_SEEDED, {"ts_ms": T0, "balances": {"TRY": D("10000")}})
            )
            uow.commit()
        executor, _, _ = parts(clock, gateway, db)
        fill_the_disk(db)
        with pytest.raises(StoreError, match="disk is full"):
            executor.execute(1, plan(BUY, "b3-t-1-0"))
        assert gateway.submits == []
        assert db.orders.get("b3-t-1-0") is None
        assert DATASET.pairs  # the market was there; only the ledger refused
