"""Stage 3 strategy: enter conservatively, take profit on part of a position above cost.

Pure: `(view, params) -> intents`. It proposes; the risk layer decides.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal

from bot.domain.account import Position
from bot.domain.intents import CancelIntent, OrderIntent, SubmitIntent
from bot.domain.market import MarketSnapshot, SymbolMarket
from bot.domain.money import ZERO
from bot.domain.orders import Order, Side
from bot.domain.symbols import PairRules

BPS = Decimal(10_000)


@dataclass(frozen=True, slots=True, kw_only=True)
class ProfitAwareParams:
    entry_notional_try: Decimal
    max_entry_spread_bps: Decimal
    entry_offset_bps: Decimal
    take_profit_margin_bps: Decimal
    take_profit_fraction: Decimal  # ratio in (0, 1]
    order_ttl_ms: int


@dataclass(frozen=True, slots=True, kw_only=True)
class StrategyView:
    """What the strategy reads: market, the ledger's positions and working orders, the rules."""

    now_ms: int
    symbols: Sequence[str]
    market: MarketSnapshot
    positions: Mapping[str, Position]
    working_orders: Sequence[Order]
    rules: Mapping[str, PairRules]


def decide(view: StrategyView, params: ProfitAwareParams) -> list[OrderIntent]:
    """Cancels for expired orders first, then at most one entry or exit per symbol."""
    intents: list[OrderIntent] = list(_expired_order_cancels(view, params))
    for symbol in view.symbols:
        market = view.market.symbols.get(symbol)
        rules = view.rules.get(symbol)
        if market is None or rules is None:
            continue
        working = [o for o in view.working_orders if o.symbol == symbol]
        position = view.positions.get(symbol, Position(symbol=symbol))
        intent = _exit(market, rules, position, working, params) or _entry(
            market, rules, position, working, params
        )
        if intent is not None:
            intents.append(intent)
    return intents


def _expired_order_cancels(view: StrategyView, params: ProfitAwareParams) -> list[CancelIntent]:
    return [
        CancelIntent(
            symbol=order.symbol,
            side=order.side,
            client_order_id=order.client_order_id,
            rationale=f"order age {view.now_ms - order.created_ms} ms exceeds ttl {params.order_ttl_ms} ms",
        )
        for order in view.working_orders
        if order.exchange_order_id is not None and view.now_ms - order.created_ms > params.order_ttl_ms
    ]


def _holds_position(market: SymbolMarket, rules: PairRules, position: Position) -> bool:
    """A position smaller than the minimum order (dust) cannot be sold, so it does not count."""
    return position.quantity * market.bid >= rules.min_notional


def _entry(
    market: SymbolMarket,
    rules: PairRules,
    position: Position,
    working: Sequence[Order],
    params: ProfitAwareParams,
) -> SubmitIntent | None:
    if _holds_position(market, rules, position) or any(o.side is Side.BUY for o in working):
        return None
    if market.bid <= 0 or market.spread_bps > params.max_entry_spread_bps:
        return None
    price = rules.quantize_price(market.bid * (1 - params.entry_offset_bps / BPS), Side.BUY)
    if price <= 0:
        return None
    return SubmitIntent(
        symbol=market.symbol,
        side=Side.BUY,
        price=price,
        quantity=params.entry_notional_try / price,
        rationale=f"entry: flat, spread {market.spread_bps:.1f} bps <= {params.max_entry_spread_bps} bps",
    )


def _exit(
    market: SymbolMarket,
    rules: PairRules,
    position: Position,
    working: Sequence[Order],
    params: ProfitAwareParams,
) -> SubmitIntent | None:
    if not _holds_position(market, rules, position) or any(o.side is Side.SELL for o in working):
        return None
    target = position.average_cost * (1 + params.take_profit_margin_bps / BPS)
    if market.bid < target:
        return None
    quantity = position.quantity * params.take_profit_fraction
    if (position.quantity - quantity) * market.bid < rules.min_notional:
        quantity = position.quantity  # the rest would be unsellable dust: take it all
    price = rules.quantize_price(max(market.ask, target), Side.SELL)
    return SubmitIntent(
        symbol=market.symbol,
        side=Side.SELL,
        price=price,
        quantity=quantity if quantity > ZERO else position.quantity,
        rationale=f"take profit: bid {market.bid} clears cost {position.average_cost:.2f} by the margin",
    )
