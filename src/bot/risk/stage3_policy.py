"""Stage 3 checks: per-intent caps, each outcome a Decision with one reason code.

Layers in order: safety gate, exchange rules, risk policy, capital. Caps reduce quantity
(verdict CAPPED); a capped order that falls below the exchange minimum is rejected.
"""

from __future__ import annotations

from collections.abc import Sequence

from bot.domain.decisions import Decision, ReasonCode
from bot.domain.intents import OrderIntent, SubmitIntent
from bot.risk.checks_balances import cap_to_balances
from bot.risk.checks_budget import CycleBudget
from bot.risk.checks_context import CheckContext, Stage3Limits
from bot.risk.checks_exchange import finalize, rules_for
from bot.risk.checks_order_flow import cap_cycle_notional, check_order_counts
from bot.risk.checks_outcome import cap
from bot.risk.checks_pipeline import run_checks

__all__ = ["CheckContext", "Stage3Limits", "check_stage3"]


def check_stage3(intents: Sequence[OrderIntent], ctx: CheckContext, limits: Stage3Limits) -> list[Decision]:
    """One Decision per intent, in order. Pure."""

    def check_submit(intent: SubmitIntent, budget: CycleBudget, caps: list[ReasonCode]) -> SubmitIntent:
        return _check_submit(intent, ctx, limits, budget, caps)

    return run_checks(intents, ctx, limits.fee_allowance_ratio, check_submit)


def _check_submit(
    intent: SubmitIntent, ctx: CheckContext, limits: Stage3Limits, budget: CycleBudget, caps: list[ReasonCode]
) -> SubmitIntent:
    rules = rules_for(intent, ctx)
    price = rules.quantize_price(intent.price, intent.side)
    quantity = rules.quantize_quantity(intent.quantity)
    check_order_counts(intent, ctx, limits, budget)
    quantity = cap(
        quantity, limits.max_notional_per_order_try / price, ReasonCode.NOTIONAL_PER_ORDER_CAPPED, caps
    )
    quantity = cap_cycle_notional(price, quantity, rules, limits, budget, caps)
    quantity = cap_to_balances(intent, price, quantity, ctx, limits, budget, caps)
    return finalize(intent, price, quantity, rules)
