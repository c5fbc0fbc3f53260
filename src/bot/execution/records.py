"""The ledger events execution records for a decision and a write-ahead submit
(see docs/adr/0001-ledger-events.md)."""

from __future__ import annotations

from bot.domain.decisions import Decision
from bot.domain.intents import CancelIntent, SubmitIntent
from bot.store.ledger_events import DecisionRecorded, OrderSubmitRequested


def decision_recorded(
    decision: Decision, *, ts_ms: int, action_key: str, client_order_id: str | None
) -> DecisionRecorded:
    intent = decision.intent
    final = decision.final_intent
    submit = intent if isinstance(intent, SubmitIntent) else None
    return DecisionRecorded(
        cycle_id=decision.cycle_id,
        action_key=action_key,
        symbol=intent.symbol,
        side=intent.side.value,
        kind=intent.kind.value,
        verdict=decision.verdict.value,
        reason_code=decision.reason_code.value,
        layer=decision.layer.value,
        price=submit.price if submit else None,
        requested_quantity=submit.quantity if submit else None,
        final_quantity=final.quantity if isinstance(final, SubmitIntent) else None,
        client_order_id=client_order_id
        if client_order_id is not None
        else (intent.client_order_id if isinstance(intent, CancelIntent) else None),
        rationale=intent.rationale,
        details=dict(decision.details),
        ts_ms=ts_ms,
    )


def submit_requested(
    intent: SubmitIntent, *, client_order_id: str, cycle_id: int, ts_ms: int
) -> OrderSubmitRequested:
    return OrderSubmitRequested(
        client_order_id=client_order_id,
        cycle_id=cycle_id,
        symbol=intent.symbol,
        side=intent.side,
        price=intent.price,
        quantity=intent.quantity,
        ts_ms=ts_ms,
    )
