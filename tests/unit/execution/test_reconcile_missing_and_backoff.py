"""Orders the exchange no longer knows are escalated; unknown orders are probed with a backoff."""

from __future__ import annotations

import math
from decimal import Decimal as D

from tests.unit.execution.paper_parts import CYCLE_MS, Forgetful, make_parts, plan

from bot.cycle.ledger_view import read_ledger_view
from bot.domain.events import EventType
from bot.domain.intents import SubmitIntent
from bot.domain.orders import OrderStatus, Side, SubmitAck, SubmitOrder
from bot.exchange.errors import UncertainOutcome
from bot.store import verify_ledger

LOW_BUY = SubmitIntent(symbol="BTCTRY", side=Side.BUY, price=D("1300000"), quantity=D("0.001"))
CID = "b3-t-1-0"


def status(parts) -> OrderStatus:
    return parts.db.orders.get(CID).status


def placed(**kwargs):
    parts = make_parts(**kwargs)
    parts.seed()
    parts.executor.execute(1, plan(LOW_BUY, CID))
    assert status(parts) is OrderStatus.OPEN
    return parts


def cycle(parts, n=1):
    for _ in range(n):
        parts.clock.advance(CYCLE_MS)
        parts.reconcile()


def test_an_open_order_the_exchange_lost_becomes_uncertain_then_unknown_and_freezes_its_symbol():
    parts = placed(probe_limit=2, window_ms=1)
    parts.gateway.forgotten.add(parts.db.orders.get(CID).exchange_order_id)  # the exchange was reset
    cycle(parts)
    assert status(parts) is OrderStatus.UNCERTAIN
    assert parts.event_count(EventType.ORDER_MISSING_ON_EXCHANGE) == 1
    cycle(parts, 2)  # two probes by client order id find nothing
    assert status(parts) is OrderStatus.UNKNOWN
    view = read_ledger_view(parts.db, ["BTCTRY"])
    assert view.frozen_symbols == frozenset({"BTCTRY"})
    assert [o.client_order_id for o in view.working_orders] == [CID]  # still counts against caps
    assert parts.event_count(EventType.ORDER_MISSING_ON_EXCHANGE) == 1

    parts.gateway.forgotten.clear()  # the exchange finds it again
    cycle(parts, 10)  # within the backoff
    assert status(parts) is OrderStatus.OPEN
    assert read_ledger_view(parts.db, ["BTCTRY"]).frozen_symbols == frozenset()
    assert verify_ledger(parts.db).ok


def test_a_single_miss_inside_the_window_is_found_again_without_a_freeze():
    parts = placed(probe_limit=2, window_ms=60_000)
    exchange_id = parts.db.orders.get(CID).exchange_order_id
    parts.gateway.forgotten.add(exchange_id)  # not listed for one cycle
    cycle(parts)
    assert status(parts) is OrderStatus.UNCERTAIN
    parts.gateway.forgotten.clear()
    cycle(parts)
    assert status(parts) is OrderStatus.OPEN
    assert parts.event_count(EventType.ORDER_MARKED_UNKNOWN) == 0


class LosesSubmits(Forgetful):
    def submit_order(self, order: SubmitOrder) -> SubmitAck:
        raise UncertainOutcome("timed out after sending", endpoint="POST /api/v1/order")


def unknown_order(**kwargs):
    """An order whose submit answer was lost and that the exchange never had: UNKNOWN."""
    parts = make_parts(probe_limit=2, window_ms=1, gateway_class=LosesSubmits, **kwargs)
    parts.seed()
    parts.executor.execute(1, plan(LOW_BUY, CID))
    cycle(parts, 2)
    assert status(parts) is OrderStatus.UNKNOWN
    return parts, parts.gateway


def test_an_unknown_order_is_probed_with_a_doubling_backoff_and_no_event_per_probe():
    parts, lossy = unknown_order()
    events = parts.event_count()
    lossy.all_orders_calls = 0
    n = 500
    cycle(parts, n)
    # Doubling from one cycle period: about log2(n) lookups, not n (two REST reads each before).
    assert lossy.all_orders_calls <= math.log2(n) + 2
    assert lossy.all_orders_calls >= math.log2(n) - 2  # and it is still looked for
    assert parts.event_count() == events  # a probe that changed nothing records nothing
    assert status(parts) is OrderStatus.UNKNOWN


def test_the_backoff_stops_doubling_at_its_ceiling_so_the_order_is_still_looked_for():
    parts, lossy = unknown_order(backoff_max_ms=8 * CYCLE_MS)
    lossy.all_orders_calls = 0
    cycle(parts, 400)
    assert lossy.all_orders_calls >= 400 // 8 - 1  # at least one lookup per ceiling


def test_after_a_restart_an_unknown_order_is_probed_at_once_then_backs_off_again():
    parts, lossy = unknown_order()
    cycle(parts, 20)
    restarted = make_parts(
        parts.db,
        engine=parts.engine,
        clock=parts.clock,
        probe_limit=2,
        window_ms=1,
        gateway_class=LosesSubmits,
    )
    lossy = restarted.gateway
    restarted.resolver.resolve_all()  # startup recovery, first cycle: nothing in memory yet
    assert lossy.all_orders_calls == 1
    restarted.clock.advance(CYCLE_MS // 2)
    restarted.resolver.resolve_all()
    assert lossy.all_orders_calls == 1  # backing off again from the cycle period


def test_an_uncertain_submit_is_escalated_after_its_probes_with_one_event():
    parts = make_parts(probe_limit=3, window_ms=1, gateway_class=LosesSubmits)
    parts.seed()
    parts.executor.execute(1, plan(LOW_BUY, CID))  # probe 1, by the executor
    events = parts.event_count()
    parts.clock.advance(CYCLE_MS)
    parts.resolver.resolve_all()  # probe 2
    assert status(parts) is OrderStatus.UNCERTAIN
    assert parts.event_count() == events
    parts.clock.advance(CYCLE_MS)
    parts.resolver.resolve_all()  # probe 3: escalated
    assert status(parts) is OrderStatus.UNKNOWN
    assert parts.event_count() == events + 1
    [marked] = [e for e in parts.db.events.all() if e.type == EventType.ORDER_MARKED_UNKNOWN]
    assert "not found after 3 probes" in marked.payload
