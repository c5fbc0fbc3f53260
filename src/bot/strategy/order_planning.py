"""The working-order lifecycle: cancel stale orders, cancel and replace orders the market left behind."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal

from bot.domain.intents import CancelIntent, OrderIntent, SubmitIntent
from bot.domain.orders import Order, OrderStatus, Side
from bot.domain.symbols import PairRules

ONE = Decimal(1)
BPS = Decimal(10_000)
# Only orders the exchange has acknowledged are ours to manage; pending, uncertain and unknown
# ones are the reconciler's until their fate is known.
MANAGED_STATUSES = frozenset({OrderStatus.OPEN, OrderStatus.PARTIALLY_FILLED})


@dataclass(frozen=True, slots=True, kw_only=True)
class LifecycleParams:
    drift_bps: Decimal  # distance of an order's price from its symbol's mark that triggers a replace
    ttl_ms: int  # an order this old is cancelled
    limit_offset_bps: Decimal  # replacements: buys at mark * (1 - offset), sells at mark * (1 + offset)

    def __post_init__(self) -> None:
        if self.ttl_ms < 1:
            raise ValueError(f"ttl_ms: must be at least 1, got {self.ttl_ms}")
        if self.limit_offset_bps < 0:
            raise ValueError(f"limit_offset_bps: must not be negative, got {self.limit_offset_bps}")
        # An order placed at the offset must not count as drifted the moment it is placed.
        if self.drift_bps <= self.limit_offset_bps:
            raise ValueError(
                f"drift_bps: must exceed limit_offset_bps ({self.limit_offset_bps}), got {self.drift_bps}"
            )


def plan_lifecycle(
    *,
    working_orders: Sequence[Order],
    marks: Mapping[str, Decimal],
    rules: Mapping[str, PairRules],
    now_ms: int,
    params: LifecycleParams,
) -> list[OrderIntent]:
    """Intents for the OPEN and PARTIALLY_FILLED orders, in input order.

    An order aged `ttl_ms` or more is cancelled (no market data needed). Otherwise an order whose
    price is more than `drift_bps` from the mark of its own symbol is cancelled and replaced by an
    order for its remaining quantity at the mark less (buy) or plus (sell) the offset, linked by
    `replaces`. If the remainder is below the pair's minimum notional at the new price, the order
    is only cancelled. No mark or no rules for the symbol: the order is left alone.
    """
    intents: list[OrderIntent] = []
    for order in working_orders:
        if order.status not in MANAGED_STATUSES:
            continue
        age_ms = now_ms - order.created_ms
        if age_ms >= params.ttl_ms:
            intents.append(_cancel(order, f"ttl: order age {age_ms} ms >= ttl {params.ttl_ms} ms"))
            continue
        mark, rule = marks.get(order.symbol), rules.get(order.symbol)
        if mark is None or mark <= 0 or rule is None:
            continue  # no data, no action
        intents.extend(_reprice(order, mark, rule, params))
    return intents


def _reprice(order: Order, mark: Decimal, rule: PairRules, params: LifecycleParams) -> list[OrderIntent]:
    drift_bps = abs(order.price - mark) / mark * BPS
    if drift_bps <= params.drift_bps:
        return []
    price = limit_price(mark, order.side, params.limit_offset_bps, rule)
    if price == order.price:
        return []  # the tick is coarser than the drift: a replace would change nothing
    why = f"drift: price {order.price} is {drift_bps:.1f} bps from mark {mark} (> {params.drift_bps} bps)"
    quantity = rule.quantize_quantity(order.remaining_quantity)
    if price <= 0 or quantity <= 0 or price * quantity < rule.min_notional:
        return [_cancel(order, f"{why}; remainder {order.remaining_quantity} too small to replace")]
    replacement = SubmitIntent(
        symbol=order.symbol,
        side=order.side,
        price=price,
        quantity=quantity,
        rationale=f"replace {order.client_order_id}: {why}; remaining {quantity} at {price}",
        replaces=order.client_order_id,
    )
    return [_cancel(order, why), replacement]


def limit_price(mark: Decimal, side: Side, offset_bps: Decimal, rules: PairRules) -> Decimal:
    """A passive limit price: a buy `offset_bps` below the mark, a sell above it, on the pair's tick."""
    offset = offset_bps / BPS
    return rules.quantize_price(mark * (ONE - offset if side is Side.BUY else ONE + offset), side)


def _cancel(order: Order, rationale: str) -> CancelIntent:
    return CancelIntent(
        symbol=order.symbol, side=order.side, client_order_id=order.client_order_id, rationale=rationale
    )
