"""Properties of the pure reconcile core over arbitrary sequences of exchange reports.

The scenarios and the driver are in `reconcile_scenarios`; each property is a `check_*` run over
every step of its own hypothesis examples. Every property is checked on what the core proposes,
before the ledger's own idempotency (unique trade ids, the transition table in the projections)
could hide a mistake.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from decimal import Decimal as D

import pytest
from hypothesis import given, seed, settings
from tests.unit.execution.reconcile_scenarios import FLOOR, Step, World, play, scenarios

from bot.domain.events import EventType
from bot.domain.order_lifecycle import transition_allowed
from bot.domain.orders import OrderStatus
from bot.execution.reconcile_core import SETTLEABLE
from bot.execution.reconcile_inputs import ExchangeReports

PROPOSED_STATUS = {
    EventType.ORDER_CANCELED: OrderStatus.CANCELED,
    EventType.ORDER_MISSING_ON_EXCHANGE: OrderStatus.UNCERTAIN,
}
Scenario = tuple[World, list[ExchangeReports]]


def check_idempotent(step: Step) -> None:
    """Reconciling the same reports again right after records nothing new."""
    if step.again is not None:
        assert step.again.events == (), step.reports


def check_no_fill_twice(step: Step) -> None:
    """Every fill proposed is new to the ledger (not recorded before, nor earlier in the outcome)."""
    for fact in step.recorded:
        if fact.event_type is EventType.ORDER_FILLED:
            assert fact.new, ("recorded before", fact.payload["trade_id"])


def check_never_overfilled(step: Step) -> None:
    """The fills proposed for an order never add up to more than its quantity."""
    proposed = defaultdict(D, step.filled_before)  # duplicates included: the ledger's view would drop them
    for fact in step.recorded:
        if fact.event_type is EventType.ORDER_FILLED and fact.order_before is not None:
            order = fact.order_before
            proposed[order.client_order_id] += D(str(fact.payload["quantity"]))
            assert proposed[order.client_order_id] <= order.quantity, order.client_order_id


def check_transitions_allowed(step: Step) -> None:
    """No status event proposes a transition the order lifecycle forbids (the projection would
    ignore it, but the event would stand in the log), and no recorded event makes one."""
    for fact in step.recorded:
        before, after = fact.order_before, fact.order_after
        target = PROPOSED_STATUS.get(fact.event_type)
        if target is not None:
            assert before is not None and transition_allowed(before.status, target), fact
        if before is not None and after is not None and after.status is not before.status:
            assert transition_allowed(before.status, after.status), fact


def check_refusal_iff_behind(step: Step) -> None:
    """Refused exactly when a report carries this bot's client order id scheme unknown to the
    ledger (an open order, or a trade since the ledger opened); a refusal proposes nothing."""
    assert bool(step.outcome.behind) == step.spec_behind, step.reports
    if step.outcome.behind:
        assert step.outcome.events == ()


def check_ledger_agrees_after(step: Step) -> None:
    """Liveness, so that the properties above cannot hold by recording nothing: after a step the
    ledger holds every reported trade (but trades by hand from before it opened), the foreign
    orders listed, and no order still working that the reports said was canceled or lost."""
    if step.outcome.behind:
        return
    reports = step.reports
    ledger_ids = {o.client_order_id for o in step.orders_after}
    ours = {o.exchange_order_id for o in step.orders_after if o.exchange_order_id is not None}
    for trade in reports.trades or ():
        if trade.ts_ms >= FLOOR or trade.exchange_order_id in ours:
            assert trade.trade_id in step.fills_after, trade
    if reports.open_orders is None:
        return
    listed = {o.exchange_order_id for o in reports.open_orders}
    foreign = {
        o.exchange_order_id
        for o in reports.open_orders
        if o.client_order_id not in ledger_ids and o.exchange_order_id not in ours
    }
    assert step.foreign_after == foreign, "the foreign orders recorded open"
    deleted = {eid for eid, remaining in reports.deletions if remaining > 0}
    for order in step.orders_after:
        eid = order.exchange_order_id
        if order.status not in SETTLEABLE or eid is None:
            continue
        assert eid not in deleted, order  # the stream said it left the book: canceled
        if eid not in listed and eid in reports.lookups:
            found = reports.lookups[eid]
            assert found is not None, order  # nowhere to be found: uncertain
            assert found.status is not OrderStatus.CANCELED, order


CHECKS = (
    check_idempotent,
    check_no_fill_twice,
    check_never_overfilled,
    check_transitions_allowed,
    check_refusal_iff_behind,
    check_ledger_agrees_after,
)


@pytest.mark.parametrize("check", CHECKS, ids=lambda check: check.__name__)
@settings(max_examples=150, deadline=None)
@given(scenario=scenarios())
def test_reconcile_keeps_its_properties_over_any_sequence_of_reports(
    check: Callable[[Step], None], scenario: Scenario
) -> None:
    for step in play(scenario):
        check(step)


def test_the_scenarios_reach_every_outcome() -> None:
    """The generator is not vacuous: refusals, fills, cancels, escalations and foreign orders all occur."""
    seen: set[str] = set()

    @seed(4)  # reproducible: the same examples every run
    @settings(max_examples=100, deadline=None, database=None)
    @given(scenarios())
    def collect(scenario: Scenario) -> None:
        for step in play(scenario):
            seen.update(["behind"] if step.outcome.behind else [e.TYPE.value for e in step.outcome.events])

    collect()
    assert seen >= {"behind", *(t.value for t in (*PROPOSED_STATUS, EventType.ORDER_FILLED))}
    assert seen >= {EventType.FOREIGN_ORDER_SEEN.value, EventType.FOREIGN_ORDER_GONE.value}
