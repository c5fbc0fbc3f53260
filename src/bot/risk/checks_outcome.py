"""How a check ends: a refusal, a cap, and the Decision envelope built from them."""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal

from bot.domain.decisions import Decision, DecisionLayer, ReasonCode, Verdict
from bot.domain.intents import CancelIntent, OrderIntent, SubmitIntent
from bot.risk.checks_context import CheckContext


class Refused(Exception):
    """Raised inside a check pipeline: `layer` rejects the intent for `reason`."""

    def __init__(self, layer: DecisionLayer, reason: ReasonCode, **details: str) -> None:
        super().__init__(reason.value)
        self.layer, self.reason, self.details = layer, reason, details


def cap(quantity: Decimal, ceiling: Decimal, reason: ReasonCode, caps: list[ReasonCode]) -> Decimal:
    """`quantity` reduced to `ceiling` if it is above it, noting `reason` in `caps`."""
    if quantity > ceiling:
        caps.append(reason)
        return ceiling
    return quantity


_CAP_LAYERS = {
    ReasonCode.CASH_RESERVE_CAPPED: DecisionLayer.CAPITAL,
    ReasonCode.INSUFFICIENT_BASE_BALANCE: DecisionLayer.CAPITAL,
    ReasonCode.TRADING_CAPITAL_CAPPED: DecisionLayer.CAPITAL,
    ReasonCode.REDUCE_ONLY: DecisionLayer.RISK_BUDGET,
    ReasonCode.VOLATILITY_CAPPED: DecisionLayer.RISK_BUDGET,
}


def cap_layer(reason: ReasonCode) -> DecisionLayer:
    """The layer a cap reason belongs to (risk policy unless it is a capital or budget cap)."""
    return _CAP_LAYERS.get(reason, DecisionLayer.RISK_POLICY)


def decide_cancel(intent: CancelIntent, ctx: CheckContext) -> Decision:
    """A cancel passes when it names one of our working orders."""
    if not any(o.client_order_id == intent.client_order_id for o in ctx.working_orders):
        return decision(ctx, intent, Verdict.REJECTED, ReasonCode.ORDER_NOT_WORKING, DecisionLayer.EXECUTION)
    return decision(ctx, intent, Verdict.APPROVED, ReasonCode.OK, DecisionLayer.RISK_POLICY, final=intent)


def decide_submit(
    ctx: CheckContext, intent: SubmitIntent, final: SubmitIntent, caps: list[ReasonCode]
) -> Decision:
    """APPROVED, or CAPPED by the last cap applied (all caps listed in the details)."""
    if caps:
        details = {"caps": ",".join(caps), "requested_quantity": str(intent.quantity)}
        return decision(ctx, intent, Verdict.CAPPED, caps[-1], cap_layer(caps[-1]), details, final)
    return decision(ctx, intent, Verdict.APPROVED, ReasonCode.OK, DecisionLayer.RISK_POLICY, final=final)


def decision(
    ctx: CheckContext,
    intent: OrderIntent,
    verdict: Verdict,
    reason: ReasonCode,
    layer: DecisionLayer,
    details: Mapping[str, str] | None = None,
    final: OrderIntent | None = None,
) -> Decision:
    return Decision(
        cycle_id=ctx.cycle_id,
        intent=intent,
        verdict=verdict,
        reason_code=reason,
        layer=layer,
        final_intent=final,
        details=dict(details or {}),
    )
