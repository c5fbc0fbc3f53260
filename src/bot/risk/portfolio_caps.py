"""Stage 4 caps on buys: notional per order, position per symbol, exposure, trading capital.

The first three scale with `capital_scale` and then with the mode's size multiplier:
cap = limit x capital_scale x size_multiplier. When the multiplier is what cuts an order
(it would have fit the cap without it) and the caller flagged volatility, the reason is
VOLATILITY_CAPPED (risk budget); otherwise the cap's own reason. A cap whose room could not
buy an order of the pair's minimum notional refuses the order instead.
"""

from __future__ import annotations

from decimal import Decimal

from bot.domain.decisions import DecisionLayer, ReasonCode
from bot.domain.money import ZERO, exact_product
from bot.domain.orders import Side
from bot.domain.symbols import PairRules
from bot.risk.checks_budget import CycleBudget
from bot.risk.checks_outcome import Refused, cap
from bot.risk.portfolio_context import ModeRestrictions, PortfolioContext, PortfolioLimits
from bot.risk.portfolio_exposure import (
    held_quantity,
    open_buy_notional_try,
    open_quantity,
    positions_cost_try,
    positions_value_try,
)


def cap_buy_notional(
    price: Decimal,
    quantity: Decimal,
    ctx: PortfolioContext,
    limits: PortfolioLimits,
    restrictions: ModeRestrictions,
    caps: list[ReasonCode],
) -> Decimal:
    """price x quantity <= max_notional_per_order_try x capital_scale x size_multiplier."""
    limit_try = limits.stage3.max_notional_per_order_try * ctx.capital_scale
    room_try = limit_try * restrictions.size_multiplier
    return _cap_scaled(
        quantity, price, limit_try, room_try, ReasonCode.NOTIONAL_PER_ORDER_CAPPED, restrictions, caps
    )


def cap_position(
    price: Decimal,
    quantity: Decimal,
    rules: PairRules,
    ctx: PortfolioContext,
    limits: PortfolioLimits,
    restrictions: ModeRestrictions,
    budget: CycleBudget,
    caps: list[ReasonCode],
) -> Decimal:
    """(held + open buys + this cycle's buys + this buy) x price <= position cap, per symbol
    (`rules.symbol`)."""
    symbol = rules.symbol
    committed = (
        held_quantity(ctx.positions, symbol)
        + open_quantity(ctx.base.working_orders, symbol, Side.BUY)
        + budget.bought.get(symbol, ZERO)
    )
    used_try = exact_product(committed, price)
    limit_try = limits.max_position_notional_try * ctx.capital_scale
    return _within(quantity, price, used_try, limit_try, rules, restrictions, _POSITION, caps)


def cap_exposure(
    price: Decimal,
    quantity: Decimal,
    rules: PairRules,
    ctx: PortfolioContext,
    limits: PortfolioLimits,
    restrictions: ModeRestrictions,
    budget: CycleBudget,
    caps: list[ReasonCode],
) -> Decimal:
    """Positions at the mark + open buys + this cycle's buys + this buy <= exposure cap."""
    used_try = (
        positions_value_try(ctx.positions, ctx.base.market)
        + open_buy_notional_try(ctx.base.working_orders)
        + budget.buy_notional
    )
    limit_try = limits.max_exposure_try * ctx.capital_scale
    return _within(quantity, price, used_try, limit_try, rules, restrictions, _EXPOSURE, caps)


def cap_trading_capital(
    price: Decimal,
    quantity: Decimal,
    rules: PairRules,
    ctx: PortfolioContext,
    budget: CycleBudget,
    caps: list[ReasonCode],
) -> Decimal:
    """Positions at cost + open buys + this cycle's buys + this buy <= trading capital (layer
    capital). At cost, not at the mark: an unrealised gain is not capital until it is realised
    (self-financing then splits it), and an unrealised loss does not free capital for more buys."""
    used_try = (
        positions_cost_try(ctx.positions)
        + open_buy_notional_try(ctx.base.working_orders)
        + budget.buy_notional
    )
    room_try = ctx.trading_capital_try - used_try
    if room_try < rules.min_notional:
        raise Refused(
            DecisionLayer.CAPITAL,
            ReasonCode.TRADING_CAPITAL_EXHAUSTED,
            used_try=str(used_try),
            trading_capital_try=str(ctx.trading_capital_try),
        )
    return cap(quantity, room_try / price, ReasonCode.TRADING_CAPITAL_CAPPED, caps)


_POSITION = (ReasonCode.POSITION_LIMIT_REACHED, ReasonCode.POSITION_NOTIONAL_CAPPED)
_EXPOSURE = (ReasonCode.EXPOSURE_LIMIT_REACHED, ReasonCode.EXPOSURE_CAPPED)


def _within(
    quantity: Decimal,
    price: Decimal,
    used_try: Decimal,
    limit_try: Decimal,
    rules: PairRules,
    restrictions: ModeRestrictions,
    reasons: tuple[ReasonCode, ReasonCode],
    caps: list[ReasonCode],
) -> Decimal:
    reached, capped = reasons
    room_try = limit_try * restrictions.size_multiplier - used_try
    if room_try < rules.min_notional:
        raise Refused(
            DecisionLayer.RISK_POLICY,
            reached,
            used_try=str(used_try),
            limit_try=str(limit_try * restrictions.size_multiplier),
        )
    return _cap_scaled(quantity, price, limit_try - used_try, room_try, capped, restrictions, caps)


def _cap_scaled(
    quantity: Decimal,
    price: Decimal,
    room_unscaled_try: Decimal,
    room_try: Decimal,
    reason: ReasonCode,
    restrictions: ModeRestrictions,
    caps: list[ReasonCode],
) -> Decimal:
    """Caps to room_try / price; room_unscaled_try is the room the multiplier did not shrink."""
    ceiling = room_try / price
    if quantity <= ceiling:
        return quantity
    by_multiplier = (
        restrictions.volatility_halved
        and restrictions.size_multiplier < 1
        and quantity <= room_unscaled_try / price
    )
    caps.append(ReasonCode.VOLATILITY_CAPPED if by_multiplier else reason)
    return ceiling
