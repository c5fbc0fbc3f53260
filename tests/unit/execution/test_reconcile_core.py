"""The pure reconcile core on hand-made values: no ledger, no exchange, no clock."""

from __future__ import annotations

import logging
from dataclasses import replace
from decimal import Decimal as D

from bot.domain.events import EventType
from bot.domain.orders import ExchangeOrder, Fill, Order, OrderStatus, Side
from bot.execution.reconcile_core import CancelSource, ReconcileOutcome, orders_to_look_up, reconcile
from bot.execution.reconcile_events import FILL_CURSOR_KEY
from bot.execution.reconcile_inputs import ExchangeReports, LedgerSnapshotForReconcile
from bot.store.payloads import Payload
from bot.testing.builders import btctry_rules

T0 = 1_700_000_000_000
NOW = T0 + 60_000
RULES = {"BTCTRY": btctry_rules()}


def order(
    n: int, status: OrderStatus = OrderStatus.OPEN, quantity: str = "0.002", eid: str | None = ""
) -> Order:
    return Order(
        client_order_id=f"b3-t-1-{n}",
        exchange_order_id=f"e{n}" if eid == "" else eid,
        cycle_id=1,
        symbol="BTCTRY",
        side=Side.BUY,
        price=D("1300000"),
        quantity=D(quantity),
        filled_quantity=D(0),
        status=status,
        created_ms=T0,
        updated_ms=T0,
    )


def listed(eid: str, cid: str | None, status: OrderStatus = OrderStatus.OPEN) -> ExchangeOrder:
    return ExchangeOrder(
        exchange_order_id=eid,
        client_order_id=cid,
        symbol="BTCTRY",
        side=Side.BUY,
        price=D("1300000"),
        quantity=D("0.002"),
        remaining_quantity=D("0.002"),
        status=status,
        created_ms=T0,
        updated_ms=T0,
    )


def fill(trade_id: str, eid: str, cid: str | None, quantity: str = "0.002", ts_ms: int = T0 + 1_000) -> Fill:
    return Fill(
        trade_id=trade_id,
        exchange_order_id=eid,
        client_order_id=cid,
        symbol="BTCTRY",
        side=Side.BUY,
        price=D("1300000"),
        quantity=D(quantity),
        fee=D("2.6"),
        tax=D(0),
        fee_asset="TRY",
        ts_ms=ts_ms,
    )


def view(*orders: Order, known: frozenset[str] = frozenset()) -> LedgerSnapshotForReconcile:
    return LedgerSnapshotForReconcile(
        orders=orders, known_trade_ids=known, fill_cursor_ms=T0, fill_floor_ms=T0
    )


def pairs(outcome: ReconcileOutcome) -> list[tuple[EventType, Payload]]:
    """The outcome's events as the (type, stored payload) pairs the ledger will hold."""
    return [(e.TYPE, e.payload()) for e in outcome.events]


def test_events_are_the_pairs_the_ledger_records_and_each_step_sees_the_ones_before():
    filled_now, canceled, lost = order(0), order(1), order(2)
    reports = ExchangeReports(
        open_orders=(listed("f1", None),),
        trades=(fill("t1", "e0", "b3-t-1-0"),),  # completes order 0: it needs no lookup
        lookups={"e1": listed("e1", "b3-t-1-1", OrderStatus.CANCELED), "e2": None},
    )
    outcome = reconcile(view(filled_now, canceled, lost), reports, rules=RULES, now_ms=NOW)
    assert [(t, p.get("client_order_id", p.get("key"))) for t, p in pairs(outcome)] == [
        (EventType.ORDER_FILLED, "b3-t-1-0"),
        (EventType.STATE_CHANGED, FILL_CURSOR_KEY),
        (EventType.ORDER_CANCELED, "b3-t-1-1"),
        (EventType.ORDER_MISSING_ON_EXCHANGE, "b3-t-1-2"),
        (EventType.FOREIGN_ORDER_SEEN, None),
    ]
    assert pairs(outcome)[1][1] == {"key": FILL_CURSOR_KEY, "value": str(T0 + 1_000), "ts_ms": NOW}
    assert pairs(outcome)[3][1] == {
        "client_order_id": "b3-t-1-2",
        "ts_ms": NOW,
        "message": "exchange order e2 is neither open nor found by lookup",
    }
    assert [c.source for c in outcome.cancels] == [CancelSource.EXCHANGE]
    assert outcome.escalated == (lost,) and outcome.needs_lookup == ()
    assert [n.level for n in outcome.notices] == [logging.WARNING, logging.WARNING]


def test_an_order_that_left_the_open_list_without_a_lookup_is_left_as_it_is_and_named():
    reports = ExchangeReports(open_orders=())
    assert orders_to_look_up(view(order(0)), reports, rules=RULES) == (order(0),)
    outcome = reconcile(view(order(0)), reports, rules=RULES, now_ms=NOW)
    assert outcome.events == () and outcome.needs_lookup == (order(0),)


def test_a_ledger_behind_the_exchange_gets_a_refusal_and_nothing_else():
    reports = ExchangeReports(
        open_orders=(listed("x1", "b3-another-1-0"), listed("f1", None)),
        trades=(fill("t1", "e0", "b3-t-1-0"),),
    )
    outcome = reconcile(view(order(0)), reports, rules=RULES, now_ms=NOW)
    assert [(u.kind, u.client_order_id) for u in outcome.behind] == [("open order", "b3-another-1-0")]
    assert outcome.events == () and outcome.new_fills == () and outcome.notices == ()


def test_a_fill_naming_an_uncertain_orders_exchange_id_lets_the_streams_deletion_settle_it():
    uncertain = order(0, OrderStatus.UNCERTAIN, eid=None)
    reports = ExchangeReports(
        trades=(fill("t1", "e0", "b3-t-1-0", quantity="0.001"),),
        deletions=(("e0", D("0.001")), ("e9", D("0.002"))),
    )
    outcome = reconcile(view(uncertain), reports, rules=RULES, now_ms=NOW)
    assert [t for t, _ in pairs(outcome)] == [
        EventType.ORDER_FILLED,
        EventType.STATE_CHANGED,
        EventType.ORDER_CANCELED,
    ]
    assert [c.source for c in outcome.cancels] == [CancelSource.STREAM]


def test_a_deletion_with_nothing_remaining_is_a_fill_and_records_nothing():
    reports = ExchangeReports(deletions=(("e0", D(0)),))
    assert reconcile(view(order(0)), reports, rules=RULES, now_ms=NOW).events == ()


def test_trades_already_recorded_twice_reported_or_from_before_the_ledger_opened_record_nothing():
    history = fill("t0", "f1", None, ts_ms=T0 - 1)  # by hand, before the ledger opened
    reports = ExchangeReports(trades=(history, fill("t1", "e0", None), fill("t1", "e0", None)))
    outcome = reconcile(view(order(0), known=frozenset({"t1"})), reports, rules=RULES, now_ms=NOW)
    cursor = {"key": FILL_CURSOR_KEY, "value": str(T0 + 1_000), "ts_ms": NOW}
    assert pairs(outcome) == [(EventType.STATE_CHANGED, cursor)]  # only the cursor moves
    twice = ExchangeReports(trades=(fill("t1", "e0", None),) * 2)
    fresh = reconcile(view(order(0)), twice, rules=RULES, now_ms=NOW)
    assert [t for t, _ in pairs(fresh)].count(EventType.ORDER_FILLED) == 1


def test_a_foreign_fill_is_recorded_with_no_order_and_warned_about_once():
    outcome = reconcile(view(), ExchangeReports(trades=(fill("t1", "f1", None),)), rules=RULES, now_ms=NOW)
    assert pairs(outcome)[0][1]["client_order_id"] is None
    assert [n.message for n in outcome.notices] == [
        "fill for an order this ledger did not place (manual trade?)"
    ]


def test_a_fill_of_a_pair_without_rules_stops_the_fills_there_so_it_is_read_again():
    first = fill("t1", "e0", "b3-t-1-0", quantity="0.001")
    stray = replace(fill("t2", "e5", None, ts_ms=T0 + 5_000), symbol="XRPTRY")
    later = fill("t3", "e0", "b3-t-1-0", quantity="0.001", ts_ms=T0 + 9_000)
    outcome = reconcile(
        view(order(0)), ExchangeReports(trades=(first, stray, later)), rules=RULES, now_ms=NOW
    )
    assert [f.trade_id for f in outcome.new_fills] == ["t1"] and outcome.errors == 1
    assert pairs(outcome)[-1][1]["value"] == str(first.ts_ms)  # the cursor stops before the stray one
    assert [n.level for n in outcome.notices] == [logging.ERROR]
