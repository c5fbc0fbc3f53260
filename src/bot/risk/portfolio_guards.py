"""Stage 4 risk-policy refusals: universe, loss stops, minimum profit, open orders in total."""

from __future__ import annotations

from decimal import Decimal

from bot.domain.decisions import DecisionLayer, ReasonCode
from bot.domain.intents import SubmitIntent
from bot.domain.orders import Side
from bot.risk.checks_budget import CycleBudget
from bot.risk.checks_outcome import Refused
from bot.risk.portfolio_context import ONE, PortfolioContext, PortfolioLimits
from bot.risk.portfolio_exposure import held_quantity

BPS = Decimal(10_000)


def check_universe(intent: SubmitIntent, ctx: PortfolioContext) -> None:
    """Buys only on universe symbols; a sell outside it passes only if it reduces a held position."""
    if intent.symbol in ctx.universe:
        return
    if intent.side is Side.SELL and held_quantity(ctx.positions, intent.symbol) > 0:
        return
    raise Refused(DecisionLayer.RISK_POLICY, ReasonCode.SYMBOL_NOT_IN_UNIVERSE, symbol=intent.symbol)


def check_loss_stops(ctx: PortfolioContext, limits: PortfolioLimits) -> None:
    """Refuses a new buy once today's loss or the drawdown reaches its stop ratio."""
    if ctx.daily_loss_ratio >= limits.daily_loss_stop_ratio:
        raise Refused(
            DecisionLayer.RISK_POLICY,
            ReasonCode.DAILY_LOSS_STOP,
            daily_loss_ratio=str(ctx.daily_loss_ratio),
            stop_ratio=str(limits.daily_loss_stop_ratio),
        )
    if ctx.drawdown_ratio >= limits.drawdown_stop_ratio:
        raise Refused(
            DecisionLayer.RISK_POLICY,
            ReasonCode.DRAWDOWN_STOP,
            drawdown_ratio=str(ctx.drawdown_ratio),
            stop_ratio=str(limits.drawdown_stop_ratio),
        )


def required_exit_value(average_cost: Decimal, limits: PortfolioLimits) -> Decimal:
    """What one unit must bring net of exit fees: cost x (1 + min_profit_bps/10^4) x (1 + slippage_bps/10^4).

    The average cost already includes the fees paid on the buys.
    """
    return average_cost * (ONE + limits.min_profit_bps / BPS) * (ONE + limits.slippage_bps / BPS)


def check_min_profit(
    intent: SubmitIntent, price: Decimal, ctx: PortfolioContext, limits: PortfolioLimits
) -> None:
    """Refuses a sell whose price x (1 - sell_fee_ratio) < required_exit_value(average cost).

    Equivalently the lowest allowed price is required_exit_value / (1 - sell_fee_ratio).
    A symbol without a held position or without a cost basis has nothing to guard.
    """
    position = ctx.positions.get(intent.symbol)
    if position is None or position.quantity <= 0 or position.average_cost <= 0:
        return
    required = required_exit_value(position.average_cost, limits)
    if price * (ONE - limits.sell_fee_ratio) >= required:
        return
    net_ratio = ONE - limits.sell_fee_ratio
    raise Refused(
        DecisionLayer.RISK_POLICY,
        ReasonCode.MIN_PROFIT_NOT_MET,
        price=str(price),
        average_cost=str(position.average_cost),
        min_price=str(required / net_ratio) if net_ratio > 0 else "Infinity",
    )


def check_open_orders_total(ctx: PortfolioContext, limits: PortfolioLimits, budget: CycleBudget) -> None:
    """Refuses a submit once working orders (replaced ones included), foreign open orders and this
    cycle's submits reach the cap."""
    working = len(ctx.base.working_orders)
    foreign = len(ctx.base.foreign_orders)
    if working + foreign + budget.submits >= limits.max_open_orders:
        raise Refused(
            DecisionLayer.RISK_POLICY,
            ReasonCode.MAX_OPEN_ORDERS,
            working=str(working),
            foreign=str(foreign),
            limit=str(limits.max_open_orders),
        )
