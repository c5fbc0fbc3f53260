"""The loop every stage shares: safety gate, cancels, then the stage's own submit checks."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from decimal import Decimal

from bot.domain.decisions import Decision, DecisionLayer, ReasonCode, Verdict
from bot.domain.intents import CancelIntent, OrderIntent, SubmitIntent
from bot.risk.checks_budget import CycleBudget
from bot.risk.checks_context import CheckContext
from bot.risk.checks_outcome import Refused, decide_cancel, decide_submit, decision
from bot.risk.safety_gate import gate

# (intent, this cycle's budget so far, caps applied) -> the final intent, or raises Refused.
SubmitCheck = Callable[[SubmitIntent, CycleBudget, list[ReasonCode]], SubmitIntent]


def run_checks(
    intents: Sequence[OrderIntent], ctx: CheckContext, fee_allowance_ratio: Decimal, check_submit: SubmitCheck
) -> list[Decision]:
    """One Decision per intent, in order; each approval is counted before the next intent."""
    budget = CycleBudget()
    return [_check_one(intent, ctx, fee_allowance_ratio, check_submit, budget) for intent in intents]


def _check_one(
    intent: OrderIntent,
    ctx: CheckContext,
    fee_allowance_ratio: Decimal,
    check_submit: SubmitCheck,
    budget: CycleBudget,
) -> Decision:
    refusal = gate(intent, ctx.safety, ctx.market, ctx.now_ms)
    if refusal is not None:
        return decision(
            ctx, intent, Verdict.REJECTED, refusal.reason, DecisionLayer.SAFETY_GATE, refusal.details
        )
    if isinstance(intent, CancelIntent):
        return decide_cancel(intent, ctx)
    caps: list[ReasonCode] = []
    try:
        final = check_submit(intent, budget, caps)
    except Refused as refused:
        return decision(ctx, intent, Verdict.REJECTED, refused.reason, refused.layer, refused.details)
    budget.commit(final, ctx.rules[final.symbol].base, fee_allowance_ratio)
    return decide_submit(ctx, intent, final, caps)
