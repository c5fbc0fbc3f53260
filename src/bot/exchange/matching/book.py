"""Deterministic order-book depth synthesised from a top-of-book row."""

from __future__ import annotations

from decimal import Decimal

from bot.domain.dataset import MarketRow
from bot.domain.market import BookLevel
from bot.domain.money import ZERO, exact_product
from bot.domain.symbols import PairRules


def price_step(rules: PairRules) -> Decimal:
    """The tick, or one unit of the price scale when the pair publishes no tick."""
    return rules.tick_size if rules.tick_size > 0 else Decimal(1).scaleb(-rules.price_scale)


def synthetic_levels(
    top_price: Decimal, top_quantity: Decimal, step: Decimal, limit: int
) -> tuple[BookLevel, ...]:
    """`limit` levels starting at the top: level i is `top_price + i*step` (step negative for bids)
    holding `(i + 1) * top_quantity`. Levels at a non-positive price are dropped; an empty top
    (price or quantity <= 0) gives an empty side."""
    if top_price <= ZERO or top_quantity <= ZERO:
        return ()
    levels = []
    for i in range(max(0, limit)):
        price = top_price + exact_product(step, Decimal(i))
        if price <= ZERO:
            break
        levels.append(BookLevel(price=price, quantity=exact_product(top_quantity, Decimal(i + 1))))
    return tuple(levels)


def synthetic_sides(
    row: MarketRow, rules: PairRules, limit: int
) -> tuple[tuple[BookLevel, ...], tuple[BookLevel, ...]]:
    """(bids best first, asks best first) for `row`."""
    step = price_step(rules)
    bids = synthetic_levels(row.bid, row.bid_qty, -step, limit)
    asks = synthetic_levels(row.ask, row.ask_qty, step, limit)
    return bids, asks
