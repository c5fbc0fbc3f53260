"""The portfolio submit checks (stages 4 and 7) in layer order, under the mode restrictions given."""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal

from bot.domain.decisions import Decision, ReasonCode
from bot.domain.intents import OrderIntent, SubmitIntent
from bot.domain.orders import Side
from bot.domain.risk import RiskMode
from bot.risk.checks_balances import cap_to_balances
from bot.risk.checks_budget import CycleBudget
from bot.risk.checks_exchange import finalize, rules_for
from bot.risk.checks_order_flow import cap_cycle_notional, check_order_counts
from bot.risk.checks_outcome import cap
from bot.risk.checks_pipeline import run_checks
from bot.risk.portfolio_caps import cap_buy_notional, cap_exposure, cap_position, cap_trading_capital
from bot.risk.portfolio_context import ModeRestrictions, PortfolioContext, PortfolioLimits
from bot.risk.portfolio_guards import (
    check_loss_stops,
    check_min_profit,
    check_open_orders_total,
    check_universe,
)
from bot.risk.portfolio_mode import apply_mode


def run_portfolio_checks(
    intents: Sequence[OrderIntent],
    ctx: PortfolioContext,
    limits: PortfolioLimits,
    restrictions: ModeRestrictions,
) -> list[Decision]:
    """One Decision per intent, in order. Pure."""

    def check_submit(intent: SubmitIntent, budget: CycleBudget, caps: list[ReasonCode]) -> SubmitIntent:
        return _check_submit(intent, ctx, limits, restrictions, budget, caps)

    return run_checks(intents, ctx.base, limits.stage3.fee_allowance_ratio, check_submit)


def _check_submit(
    intent: SubmitIntent,
    ctx: PortfolioContext,
    limits: PortfolioLimits,
    restrictions: ModeRestrictions,
    budget: CycleBudget,
    caps: list[ReasonCode],
) -> SubmitIntent:
    rules = rules_for(intent, ctx.base)  # exchange rules
    price = rules.quantize_price(intent.price, intent.side)
    quantity = rules.quantize_quantity(intent.quantity)
    quantity = apply_mode(intent, quantity, ctx, restrictions, budget, caps)  # risk budget
    check_universe(intent, ctx)  # risk policy from here
    if intent.side is Side.BUY:
        check_loss_stops(ctx, limits)
    elif restrictions.mode is RiskMode.NORMAL:  # outside NORMAL, losses may be cut
        check_min_profit(intent, price, ctx, limits)
    check_order_counts(intent, ctx.base, limits.stage3, budget)
    check_open_orders_total(ctx, limits, budget)
    if intent.side is Side.BUY:
        quantity = cap_buy_notional(price, quantity, ctx, limits, restrictions, caps)
    else:
        quantity = _cap_sell_notional(price, quantity, limits, caps)
    quantity = cap_cycle_notional(price, quantity, rules, limits.stage3, budget, caps)
    if intent.side is Side.BUY:
        quantity = cap_position(price, quantity, rules, ctx, limits, restrictions, budget, caps)
        quantity = cap_exposure(price, quantity, rules, ctx, limits, restrictions, budget, caps)
        quantity = cap_trading_capital(price, quantity, rules, ctx, budget, caps)  # capital from here
    quantity = cap_to_balances(intent, price, quantity, ctx.base, limits.stage3, budget, caps)
    return finalize(intent, price, quantity, rules)


def _cap_sell_notional(
    price: Decimal, quantity: Decimal, limits: PortfolioLimits, caps: list[ReasonCode]
) -> Decimal:
    # Exits keep the stage 3 cap: neither a smaller capital nor a volatile market should slow them.
    ceiling = limits.stage3.max_notional_per_order_try / price
    return cap(quantity, ceiling, ReasonCode.NOTIONAL_PER_ORDER_CAPPED, caps)
