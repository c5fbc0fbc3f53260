"""Mode restrictions (stage 4: anomaly level; stage 7: also the risk budget): OBSERVE places
nothing, REDUCE only sells what is held."""

from __future__ import annotations

from decimal import Decimal

from bot.domain.decisions import DecisionLayer, ReasonCode
from bot.domain.intents import SubmitIntent
from bot.domain.money import ZERO
from bot.domain.orders import Side
from bot.domain.risk import RiskMode
from bot.risk.checks_budget import CycleBudget
from bot.risk.checks_outcome import Refused, cap
from bot.risk.portfolio_context import ModeRestrictions, PortfolioContext
from bot.risk.portfolio_exposure import held_quantity, open_quantity


def apply_mode(
    intent: SubmitIntent,
    quantity: Decimal,
    ctx: PortfolioContext,
    restrictions: ModeRestrictions,
    budget: CycleBudget,
    caps: list[ReasonCode],
) -> Decimal:
    """The quantity the mode allows (layer risk budget).

    OBSERVE refuses every submit. REDUCE refuses buys and caps a sell to the held position
    less what working sells (replaced ones included) and this cycle's sells already offer.
    """
    if restrictions.mode is RiskMode.OBSERVE:
        raise Refused(DecisionLayer.RISK_BUDGET, ReasonCode.OBSERVE_ONLY, **mode_details(ctx))
    if restrictions.mode is not RiskMode.REDUCE:
        return quantity
    if intent.side is Side.BUY:
        raise Refused(DecisionLayer.RISK_BUDGET, ReasonCode.REDUCE_ONLY, **mode_details(ctx))
    sellable = (
        held_quantity(ctx.positions, intent.symbol)
        - open_quantity(ctx.base.working_orders, intent.symbol, Side.SELL)
        - budget.sold.get(intent.symbol, ZERO)
    )
    if sellable <= 0:
        raise Refused(
            DecisionLayer.RISK_BUDGET, ReasonCode.REDUCE_ONLY, sellable=str(sellable), **mode_details(ctx)
        )
    return cap(quantity, sellable, ReasonCode.REDUCE_ONLY, caps)


def mode_details(ctx: PortfolioContext) -> dict[str, str]:
    """The mode, why it holds, and the size multiplier when it shrinks caps."""
    details = {"mode": ctx.mode.value}
    if ctx.mode_causes:
        details["mode_causes"] = ",".join(ctx.mode_causes)
    if ctx.size_multiplier != 1:
        details["size_multiplier"] = str(ctx.size_multiplier)
    return details
