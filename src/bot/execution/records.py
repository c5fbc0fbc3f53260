"""Payload builders for the ledger events execution records (see docs/adr/0001-ledger-events.md)."""

from __future__ import annotations

from typing import Any

from bot.domain.decisions import Decision
from bot.domain.intents import CancelIntent, SubmitIntent
from bot.domain.orders import Fill
from bot.domain.symbols import PairRules

Payload = dict[str, Any]


def decision_payload(
    decision: Decision, *, ts_ms: int, action_key: str, client_order_id: str | None
) -> Payload:
    intent = decision.intent
    final = decision.final_intent
    submit = intent if isinstance(intent, SubmitIntent) else None
    return {
        "cycle_id": decision.cycle_id,
        "ts_ms": ts_ms,
        "action_key": action_key,
        "symbol": intent.symbol,
        "side": intent.side.value,
        "kind": intent.kind.value,
        "verdict": decision.verdict.value,
        "reason_code": decision.reason_code.value,
        "layer": decision.layer.value,
        "price": submit.price if submit else None,
        "requested_quantity": submit.quantity if submit else None,
        "final_quantity": final.quantity if isinstance(final, SubmitIntent) else None,
        "client_order_id": client_order_id
        if client_order_id is not None
        else (intent.client_order_id if isinstance(intent, CancelIntent) else None),
        "rationale": intent.rationale,
        "details": dict(decision.details),
    }


def submit_requested(intent: SubmitIntent, *, client_order_id: str, cycle_id: int, ts_ms: int) -> Payload:
    return {
        "client_order_id": client_order_id,
        "cycle_id": cycle_id,
        "ts_ms": ts_ms,
        "symbol": intent.symbol,
        "side": intent.side.value,
        "price": intent.price,
        "quantity": intent.quantity,
    }


def fill_payload(fill: Fill, rules: PairRules, client_order_id: str | None) -> Payload:
    return {
        "trade_id": fill.trade_id,
        "client_order_id": client_order_id,
        "exchange_order_id": fill.exchange_order_id,
        "symbol": fill.symbol,
        "base": rules.base,
        "quote": rules.quote,
        "side": fill.side.value,
        "price": fill.price,
        "quantity": fill.quantity,
        "fee": fill.fee,
        "tax": fill.tax,
        "fee_asset": fill.fee_asset,
        "ts_ms": fill.ts_ms,
    }
