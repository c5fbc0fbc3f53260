"""Average-cost position keeping with exact arithmetic.

`bot.domain.account.Position.apply_fill` has the same rules but rounds in the caller's Decimal
context, so its books drift from the cash in the last digits. Here every quote unit paid is either
carried in the basis (quantity x average cost, exactly) or in realised PnL, to the last digit:
the sub-digit remainder of rounding an average cost is booked to realised PnL when it arises.
"""

from __future__ import annotations

from dataclasses import replace
from decimal import Decimal

from bot.accounting.exact import average, difference, product, total
from bot.domain.account import Position
from bot.domain.money import ZERO
from bot.domain.orders import Side


def apply_trade(
    position: Position, *, side: Side, price: Decimal, quantity: Decimal, fee_quote: Decimal
) -> Position:
    """The position after one trade of `quantity` (> 0) at `price`, with its fee in the quote asset.

    A buy's fee joins the cost basis; a sell's fee reduces realised PnL. Selling more than is held
    (a ledger that misses a buy or an opening balance) flattens the position: only the held part
    has a cost basis, so only it is realised, and the excess shows as a negative base cash balance.
    """
    if side is Side.BUY:
        return _buy(position, price=price, quantity=quantity, fee_quote=fee_quote)
    return _sell(position, price=price, quantity=quantity, fee_quote=fee_quote)


def _buy(position: Position, *, price: Decimal, quantity: Decimal, fee_quote: Decimal) -> Position:
    new_quantity = total(position.quantity, quantity)
    cost = total(product(position.average_cost, position.quantity), product(price, quantity), fee_quote)
    average_cost = average(cost, new_quantity)
    # What the rounded average does not carry (a few units in the 28th digit) is booked now,
    # so that basis + realised PnL still equals what was paid.
    rounding = difference(cost, product(average_cost, new_quantity))
    return replace(
        position,
        quantity=new_quantity,
        average_cost=average_cost,
        realized_pnl=difference(position.realized_pnl, rounding),
        fees_paid=total(position.fees_paid, fee_quote),
    )


def _sell(position: Position, *, price: Decimal, quantity: Decimal, fee_quote: Decimal) -> Position:
    sold = min(quantity, position.quantity)
    gain = difference(product(price, sold), product(position.average_cost, sold))
    realized_pnl = difference(total(position.realized_pnl, gain), fee_quote)
    fees_paid = total(position.fees_paid, fee_quote)
    remaining = difference(position.quantity, quantity)
    if remaining <= 0:
        return replace(
            position, quantity=ZERO, average_cost=ZERO, realized_pnl=realized_pnl, fees_paid=fees_paid
        )
    return replace(position, quantity=remaining, realized_pnl=realized_pnl, fees_paid=fees_paid)
