from __future__ import annotations

import pathlib
from decimal import Decimal
from itertools import pairwise

import pytest
from store_builders import T0, fill_payload, healthy_ledger, seed, submit_payload

from bot.domain.events import EventType
from bot.domain.orders import OrderStatus
from bot.store import Database, StoreError
from bot.store.event_log import GENESIS_HASH
from bot.store.ledger_events import from_mapping


def test_leaving_without_commit_rolls_back(database: Database) -> None:
    with database.unit_of_work() as uow:
        assert uow.record(from_mapping(EventType.ORDER_SUBMIT_REQUESTED, submit_payload()))
        assert uow.orders.get("b3-1-BTCTRY-buy-1") is not None  # visible inside the transaction
    assert database.orders.get("b3-1-BTCTRY-buy-1") is None
    assert database.events.count() == 0


def test_exception_rolls_back(database: Database) -> None:
    with pytest.raises(RuntimeError), database.unit_of_work() as uow:
        uow.record(from_mapping(EventType.ORDER_SUBMIT_REQUESTED, submit_payload()))
        uow.commit()
        raise RuntimeError("after commit: nothing to undo")
    with pytest.raises(RuntimeError), database.unit_of_work() as uow:
        uow.record(from_mapping(EventType.ORDER_SUBMIT_REQUESTED, submit_payload("other")))
        raise RuntimeError("boom")
    assert [order.client_order_id for order in database.orders.all()] == ["b3-1-BTCTRY-buy-1"]


def test_units_of_work_do_not_nest_and_close_after_commit(database: Database) -> None:
    with database.unit_of_work() as uow:
        with pytest.raises(StoreError, match="do not nest"):
            database.unit_of_work()
        uow.commit()
        with pytest.raises(StoreError, match="not active"):
            uow.record(from_mapping(EventType.ORDER_SUBMIT_REQUESTED, submit_payload()))
    with database.unit_of_work() as again:
        again.commit()


def test_duplicate_submit_is_not_appended(database: Database) -> None:
    with database.unit_of_work() as uow:
        assert uow.record(from_mapping(EventType.ORDER_SUBMIT_REQUESTED, submit_payload())) is True
        assert (
            uow.record(from_mapping(EventType.ORDER_SUBMIT_REQUESTED, submit_payload(price=Decimal("1"))))
            is False
        )
        uow.commit()
    assert database.events.count() == 1
    order = database.orders.get("b3-1-BTCTRY-buy-1")
    assert order is not None and order.price == Decimal("1400000")


def test_duplicate_fill_is_not_appended_and_changes_nothing(database: Database) -> None:
    with database.unit_of_work() as uow:
        seed(uow)
        uow.record(from_mapping(EventType.ORDER_SUBMIT_REQUESTED, submit_payload()))
        assert uow.record(from_mapping(EventType.ORDER_FILLED, fill_payload())) is True
        assert uow.record(from_mapping(EventType.ORDER_FILLED, fill_payload())) is False
        uow.commit()
    assert database.events.count() == 3
    assert database.fills.count() == 1
    assert database.balances.all() == {"TRY": Decimal("98599.874"), "BTC": Decimal("0.001")}


def test_fill_moves_balances_exactly_and_sets_average_cost(database: Database) -> None:
    with database.unit_of_work() as uow:
        seed(uow, TRY="100000")
        uow.record(from_mapping(EventType.ORDER_SUBMIT_REQUESTED, submit_payload()))
        uow.record(from_mapping(EventType.ORDER_FILLED, fill_payload()))
        uow.commit()
    balances = database.balances.all()
    assert balances["TRY"] == Decimal("98599.874") and balances["BTC"] == Decimal("0.001")
    stored = dict(database.connection.execute("SELECT asset, total FROM balances"))
    assert stored == {"TRY": "98599.874", "BTC": "0.001"}  # canonical TEXT
    position = database.positions.all()["BTCTRY"]
    assert position.quantity == Decimal("0.001")
    assert position.average_cost == Decimal("1400126")  # (1400 + 0.126 fee) / 0.001
    assert position.fees_paid == Decimal("0.126")
    order = database.orders.get("b3-1-BTCTRY-buy-1")
    assert order is not None and order.status is OrderStatus.FILLED
    assert order.filled_quantity == Decimal("0.001") and order.exchange_order_id == "ex-1"


def test_partial_fills_then_complete(database: Database) -> None:
    half = Decimal("0.0005")
    with database.unit_of_work() as uow:
        uow.record(from_mapping(EventType.ORDER_SUBMIT_REQUESTED, submit_payload()))
        uow.record(from_mapping(EventType.ORDER_FILLED, fill_payload("t-1", quantity=half)))
        order = uow.orders.get("b3-1-BTCTRY-buy-1")
        assert order is not None and order.status is OrderStatus.PARTIALLY_FILLED
        assert [o.client_order_id for o in uow.orders.working("BTCTRY")] == ["b3-1-BTCTRY-buy-1"]
        uow.record(
            from_mapping(
                EventType.ORDER_ACCEPTED,
                {"client_order_id": "b3-1-BTCTRY-buy-1", "exchange_order_id": "ex-1", "ts_ms": T0},
            )
        )
        order = uow.orders.get("b3-1-BTCTRY-buy-1")
        assert order is not None and order.status is OrderStatus.PARTIALLY_FILLED  # no downgrade
        uow.record(from_mapping(EventType.ORDER_FILLED, fill_payload("t-2", quantity=half)))
        uow.commit()
    order = database.orders.get("b3-1-BTCTRY-buy-1")
    assert order is not None and order.status is OrderStatus.FILLED and order.remaining_quantity == 0
    assert database.orders.working() == []


def test_terminal_status_is_kept_and_a_late_fill_still_counts(database: Database) -> None:
    # ADR 0001: the status follows the order lifecycle table (canceled is final); the fill counts.
    cid = "b3-1-BTCTRY-buy-1"
    with database.unit_of_work() as uow:
        uow.record(from_mapping(EventType.ORDER_SUBMIT_REQUESTED, submit_payload()))
        uow.record(from_mapping(EventType.ORDER_CANCELED, {"client_order_id": cid, "ts_ms": T0 + 1}))
        uow.record(
            from_mapping(
                EventType.ORDER_ACCEPTED,
                {"client_order_id": cid, "exchange_order_id": "ex-1", "ts_ms": T0 + 2},
            )
        )
        uow.record(
            from_mapping(
                EventType.ORDER_MARKED_UNKNOWN, {"client_order_id": cid, "ts_ms": T0 + 3, "message": "?"}
            )
        )
        assert uow.orders.by_status(OrderStatus.CANCELED)[0].client_order_id == cid
        uow.record(from_mapping(EventType.ORDER_FILLED, fill_payload()))
        uow.commit()
    order = database.orders.by_exchange_id("ex-1")
    assert order is not None and order.status is OrderStatus.CANCELED
    assert order.filled_quantity == order.quantity


def test_fill_for_an_unknown_order_still_counts(database: Database) -> None:
    with database.unit_of_work() as uow:
        seed(uow)
        assert uow.record(from_mapping(EventType.ORDER_FILLED, fill_payload(client_order_id=None)))
        uow.commit()
    assert database.orders.all() == []
    assert database.fills.all()[0].client_order_id is None
    assert database.balances.all()["BTC"] == Decimal("0.001")


def test_status_event_for_a_missing_order_fails_and_records_nothing(database: Database) -> None:
    with database.unit_of_work() as uow:
        with pytest.raises(StoreError, match="no order 'nope'"):
            uow.record(from_mapping(EventType.ORDER_CANCELED, {"client_order_id": "nope", "ts_ms": T0}))
        uow.commit()
    assert database.events.count() == 0


def test_rejected_records_last_error(database: Database) -> None:
    with database.unit_of_work() as uow:
        uow.record(from_mapping(EventType.ORDER_SUBMIT_REQUESTED, submit_payload()))
        uow.record(
            from_mapping(
                EventType.ORDER_REJECTED,
                {"client_order_id": "b3-1-BTCTRY-buy-1", "ts_ms": T0, "code": 1055, "message": "balance"},
            )
        )
        uow.commit()
    row = database.connection.execute("SELECT status, last_error FROM orders").fetchone()
    assert row == ("rejected", "1055: balance")


def test_floats_are_refused(database: Database) -> None:
    with database.unit_of_work() as uow, pytest.raises(TypeError, match="float"):
        uow.record(from_mapping(EventType.ORDER_SUBMIT_REQUESTED, submit_payload(price=1400000.0)))


def test_balances_are_seeded_once(database: Database) -> None:
    with database.unit_of_work() as uow:
        seed(uow, TRY="100000")
        assert not uow.record(
            from_mapping(EventType.BALANCES_SEEDED, {"ts_ms": T0, "balances": {"TRY": Decimal(5)}})
        )
        uow.commit()
    assert database.balances.all() == {"TRY": Decimal("100000")}


def test_cycles_decisions_and_state(database: Database) -> None:
    healthy_ledger(database)
    assert database.cycles.last_cycle_id() == 1
    (cycle,) = database.cycles.recent(5)
    assert (cycle.status, cycle.duration_ms, cycle.counters["fills"]) == ("ok", 4_000, 1)
    (decision,) = database.decisions.for_cycle(1)
    assert decision.requested_quantity == Decimal("0.001") and decision.details == {"anchor": "1410000"}
    assert database.state.get("kill_switch") == "off" and database.state.get("missing") is None
    with database.unit_of_work() as uow:
        again = {"cycle_id": 1, "ts_ms": T0, "stage": "stage3", "mode": "paper"}
        assert not uow.record(from_mapping(EventType.CYCLE_STARTED, again))
        assert not uow.record(from_mapping(EventType.DECISION_RECORDED, _decision_again()))
        uow.commit()


def test_hash_chain_links_events(database: Database) -> None:
    healthy_ledger(database)
    events = database.events.all()
    assert [event.seq for event in events] == list(range(1, 11))
    assert events[0].prev_hash == GENESIS_HASH
    assert all(later.prev_hash == earlier.hash for earlier, later in pairwise(events))
    assert database.events.last_hash() == events[-1].hash
    assert '"price":"1400000"' in events[3].payload  # canonical JSON, Decimal as string


def _decision_again() -> dict[str, object]:
    return {
        "cycle_id": 1, "ts_ms": T0, "action_key": "submit:BTCTRY:buy", "symbol": "BTCTRY", "side": "buy",
        "kind": "submit", "verdict": "rejected", "reason_code": "dry_run", "layer": "safety_gate",
        "price": None, "requested_quantity": None, "final_quantity": None, "client_order_id": None,
        "rationale": "", "details": {},
    }  # fmt: skip


def test_a_batch_that_sqlite_rolled_back_itself_leaves_the_ledger_usable(tmp_path: pathlib.Path) -> None:
    # A disk or I/O error can make SQLite roll back the whole transaction under a unit of work
    # that is only a savepoint of a backtest's batch: nothing is left to roll back to.
    db = Database.open(tmp_path / "ledger.sqlite")
    db.begin_batch()
    with pytest.raises(RuntimeError, match="disk"), db.unit_of_work() as uow:
        uow.record(from_mapping(EventType.ORDER_SUBMIT_REQUESTED, submit_payload()))
        db.connection.execute("ROLLBACK")  # what SQLite does on SQLITE_FULL / SQLITE_IOERR
        raise RuntimeError("disk full")
    db.end_batch()  # nothing to commit, and no misleading second error
    with db.unit_of_work() as uow:  # the next unit of work is not refused as "already active"
        assert uow.record(from_mapping(EventType.ORDER_SUBMIT_REQUESTED, submit_payload()))
        uow.commit()
    assert db.orders.get("b3-1-BTCTRY-buy-1") is not None
    db.close()
