"""Measures of what the portfolio holds and has committed, in base quantity or quote notional.

Working orders count with their remaining quantity at their limit price, whatever their
status (an uncertain or unknown order counts as if it could still fill). A replaced order
still counts until its cancel is confirmed.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from decimal import Decimal

from bot.domain.account import Position
from bot.domain.market import MarketSnapshot
from bot.domain.money import ZERO, exact_product
from bot.domain.orders import Order, Side


def held_quantity(positions: Mapping[str, Position], symbol: str) -> Decimal:
    position = positions.get(symbol)
    return position.quantity if position is not None else ZERO


def mark_price(position: Position, market: MarketSnapshot) -> Decimal:
    """The mid of the best bid and ask; the average cost when the symbol has no usable quote."""
    quote = market.symbols.get(position.symbol)
    if quote is None or quote.bid <= 0 or quote.ask <= 0:
        return position.average_cost
    return quote.mid


def positions_value_try(positions: Mapping[str, Position], market: MarketSnapshot) -> Decimal:
    """Sum of held quantity at the mark over all positions."""
    return sum(
        (exact_product(p.quantity, mark_price(p, market)) for p in positions.values() if p.quantity > 0),
        ZERO,
    )


def positions_cost_try(positions: Mapping[str, Position]) -> Decimal:
    """Capital deployed in held positions: quantity x average cost (buy fees included)."""
    return sum(
        (exact_product(p.quantity, p.average_cost) for p in positions.values() if p.quantity > 0), ZERO
    )


def open_quantity(orders: Iterable[Order], symbol: str, side: Side) -> Decimal:
    """Remaining quantity of working orders on one symbol and side."""
    return sum((o.remaining_quantity for o in orders if o.symbol == symbol and o.side is side), ZERO)


def open_buy_notional_try(orders: Iterable[Order]) -> Decimal:
    """Remaining notional of all working buys, at their limit prices."""
    return sum(
        (exact_product(o.price, o.remaining_quantity) for o in orders if o.side is Side.BUY),
        ZERO,
    )
