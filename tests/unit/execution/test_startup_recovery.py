"""Startup recovery: orders a dead process wrote ahead are looked up before the first cycle.

Nothing else touches a `pending_submit` order: cycles probe only uncertain and unknown ones, and
the strategy cancels only orders with an exchange id. Without `recover` such an order would stay
pending for ever, resting on the exchange unseen or counted as in flight though never sent.
"""

from __future__ import annotations

from decimal import Decimal as D

from tests.unit.execution.paper_parts import make_parts

from bot.domain.intents import SubmitIntent
from bot.domain.orders import OrderStatus, Side, SubmitOrder
from bot.execution.records import submit_requested
from bot.execution.recovery import recover
from bot.store import verify_ledger

BUY = SubmitIntent(symbol="BTCTRY", side=Side.BUY, price=D("1300000"), quantity=D("0.001"))
CID = "b3-t-1-0"


def written_ahead(**kwargs):
    """A ledger whose process died right after committing the write-ahead row of CID."""
    parts = make_parts(**kwargs)
    parts.seed()
    with parts.db.unit_of_work() as uow:
        now = parts.clock.now_ms()
        uow.record(submit_requested(BUY, client_order_id=CID, cycle_id=1, ts_ms=now))
        uow.commit()
    return parts


def test_an_order_the_exchange_took_before_the_crash_is_found_and_open_again():
    parts = written_ahead()
    ack = parts.gateway.submit_order(
        SubmitOrder(
            client_order_id=CID, symbol=BUY.symbol, side=BUY.side, price=BUY.price, quantity=BUY.quantity
        )
    )  # the request arrived; its answer died with the process

    assert recover(parts.db, parts.resolver) == 0
    order = parts.db.orders.get(CID)
    assert order.status is OrderStatus.OPEN and order.exchange_order_id == ack.exchange_order_id
    assert verify_ledger(parts.db).ok


def test_an_order_never_sent_is_uncertain_then_unknown_never_left_pending():
    parts = written_ahead(probe_limit=1, window_ms=1)
    parts.clock.advance(1)

    assert recover(parts.db, parts.resolver) == 1  # unresolved: it freezes its symbol
    assert parts.db.orders.get(CID).status is OrderStatus.UNKNOWN
    assert parts.gateway.open_orders() == []  # looked up, never sent
    assert verify_ledger(parts.db).ok
