"""Stage 3 risk-policy checks on the flow of orders: counts, cooldowns, notional per order and cycle."""

from __future__ import annotations

from decimal import Decimal

from bot.domain.decisions import DecisionLayer, ReasonCode
from bot.domain.intents import SubmitIntent
from bot.domain.symbols import PairRules
from bot.risk.checks_budget import CycleBudget
from bot.risk.checks_context import CheckContext, Stage3Limits
from bot.risk.checks_outcome import Refused, cap


def check_order_counts(
    intent: SubmitIntent, ctx: CheckContext, limits: Stage3Limits, budget: CycleBudget
) -> None:
    """Orders per cycle, open orders per symbol (working + foreign + approved), (symbol, side) cooldown."""
    if budget.submits >= limits.max_orders_per_cycle:
        raise Refused(
            DecisionLayer.RISK_POLICY, ReasonCode.MAX_ORDERS_PER_CYCLE, limit=str(limits.max_orders_per_cycle)
        )
    working = sum(1 for o in ctx.working_orders if o.symbol == intent.symbol)
    foreign = sum(1 for o in ctx.foreign_orders if o.symbol == intent.symbol)
    if working + foreign + budget.opened.get(intent.symbol, 0) >= limits.max_open_orders_per_symbol:
        raise Refused(
            DecisionLayer.RISK_POLICY,
            ReasonCode.MAX_OPEN_ORDERS_PER_SYMBOL,
            working=str(working),
            foreign=str(foreign),
            limit=str(limits.max_open_orders_per_symbol),
        )
    if limits.side_cooldown_ms > 0 and (intent.symbol, intent.side) in budget.sides:
        raise Refused(DecisionLayer.RISK_POLICY, ReasonCode.SIDE_COOLDOWN, since_last_ms="0")
    last = ctx.last_submit_ms.get((intent.symbol, intent.side))
    if last is not None and ctx.now_ms - last < limits.side_cooldown_ms:
        raise Refused(
            DecisionLayer.RISK_POLICY,
            ReasonCode.SIDE_COOLDOWN,
            since_last_ms=str(ctx.now_ms - last),
            cooldown_ms=str(limits.side_cooldown_ms),
        )


def cap_cycle_notional(
    price: Decimal,
    quantity: Decimal,
    rules: PairRules,
    limits: Stage3Limits,
    budget: CycleBudget,
    caps: list[ReasonCode],
) -> Decimal:
    """Caps to what is left of the notional per cycle; refuses when that could not buy a valid order."""
    cycle_room = limits.max_notional_per_cycle_try - budget.notional
    if cycle_room < rules.min_notional:
        raise Refused(
            DecisionLayer.RISK_POLICY,
            ReasonCode.NOTIONAL_PER_CYCLE_EXHAUSTED,
            cycle_used=str(budget.notional),
        )
    return cap(quantity, cycle_room / price, ReasonCode.NOTIONAL_PER_CYCLE_CAPPED, caps)
