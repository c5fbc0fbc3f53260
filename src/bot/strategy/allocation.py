"""From combined signals to target weights, and from target weights to limit orders.

Long only. Weights are ratios of total equity; trade sizes are quote-asset notionals.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass
from decimal import ROUND_CEILING, ROUND_FLOOR, Decimal, localcontext

from bot.domain.intents import SubmitIntent
from bot.domain.money import ZERO, exact_product, quantize_down
from bot.domain.orders import Order, Side
from bot.domain.symbols import PairRules
from bot.strategy.order_planning import limit_price
from bot.strategy.signals import Signal

ONE = Decimal(1)
BPS = Decimal(10_000)
WEIGHT_SCALE = 18  # decimal places kept in a target weight (rounded down)


@dataclass(frozen=True, slots=True, kw_only=True)
class AllocationParams:
    quote_asset: str
    cash_target_ratio: Decimal  # share of equity kept as cash
    max_weight_per_symbol: Decimal  # ratio of equity
    turnover_cap_ratio: Decimal  # max total |trade notional| per cycle, as a ratio of equity
    max_orders_per_cycle: int
    limit_offset_bps: Decimal  # buys at mark * (1 - offset), sells at mark * (1 + offset)
    min_trade_ratio: Decimal  # drifts smaller than this share of equity are left alone

    def __post_init__(self) -> None:
        if not ZERO <= self.cash_target_ratio < ONE:
            raise ValueError(f"cash_target_ratio: must be in [0, 1), got {self.cash_target_ratio}")
        if not ZERO < self.max_weight_per_symbol <= ONE:
            raise ValueError(f"max_weight_per_symbol: must be in (0, 1], got {self.max_weight_per_symbol}")
        if not ZERO <= self.limit_offset_bps < BPS:
            raise ValueError(f"limit_offset_bps: must be in [0, 10000), got {self.limit_offset_bps}")
        for name in ("turnover_cap_ratio", "min_trade_ratio", "max_orders_per_cycle"):
            if getattr(self, name) < 0:
                raise ValueError(f"{name}: must not be negative, got {getattr(self, name)}")


def target_weights(
    signals: Mapping[str, Signal], universe: Sequence[str], params: AllocationParams
) -> dict[str, Decimal]:
    """Long-only target weight per universe symbol that has a signal.

    weight = max(0, score) * investable / max(1, Σ positive scores), then capped at
    `max_weight_per_symbol`; what the cap removes stays cash. So the weights sum to at most
    `1 - cash_target_ratio`, and a lone weak signal gets a small weight, not all the capital.
    Universe symbols without a signal get no entry (no opinion); signals outside it are ignored.
    """
    investable = ONE - params.cash_target_ratio
    raw = {symbol: max(ZERO, signals[symbol].score) for symbol in sorted(set(universe)) if symbol in signals}
    # Rounding never lets the weights add up past the investable share: the denominator rounds
    # up, each share rounds down.
    with localcontext() as ctx:
        ctx.prec, ctx.rounding = 60, ROUND_CEILING
        denominator = max(ONE, sum(raw.values(), ZERO))
        ctx.rounding = ROUND_FLOOR
        shares = {symbol: raw[symbol] * investable / denominator for symbol in raw}
    return {
        symbol: min(params.max_weight_per_symbol, quantize_down(share, WEIGHT_SCALE))
        for symbol, share in shares.items()
    }


@dataclass(frozen=True, slots=True, kw_only=True)
class _Trade:
    symbol: str
    side: Side
    drift_quote: Decimal  # |target - current| valued at the mark, in the quote asset
    target_weight: Decimal
    current_quote: Decimal
    mark: Decimal
    price: Decimal  # the limit price, on the pair's tick
    quantity: Decimal  # base quantity that closes the drift at the mark (a sell: at most held)
    rules: PairRules

    @property
    def notional_quote(self) -> Decimal:
        return exact_product(self.price, self.quantity)


def allocate(
    *,
    targets: Mapping[str, Decimal],
    equity_quote: Decimal,
    positions: Mapping[str, Decimal],
    marks: Mapping[str, Decimal],
    rules: Mapping[str, PairRules],
    working_orders: Sequence[Order],
    params: AllocationParams,
    keep: Collection[str] = frozenset(),
) -> list[SubmitIntent]:
    """Limit orders that move holdings toward `targets` (weights of `equity_quote`).

    Held symbols missing from `targets` are sold down (target 0), except those in `keep`
    (in the universe but without an opinion this cycle: their holding is left as it is).
    Symbols without a mark or rules, not trading, in another quote asset, or with a working
    order on the same side are skipped. Drifts below `min_trade_ratio` of equity or the pair's
    minimum notional are ignored. The largest drifts go first, at most `max_orders_per_cycle`,
    all scaled by one factor so Σ price*quantity <= `turnover_cap_ratio` * equity. The quantity
    closes the drift valued at the mark, so a target of 0 sells the whole holding; a sell never
    exceeds the held quantity.
    """
    if equity_quote <= 0:
        return []
    trades = _trades(targets, equity_quote, positions, marks, rules, working_orders, params, keep)
    trades = sorted(trades, key=lambda trade: (-trade.drift_quote, trade.symbol))
    trades = trades[: params.max_orders_per_cycle]
    budget_quote = params.turnover_cap_ratio * equity_quote
    wanted_quote = sum((trade.notional_quote for trade in trades), ZERO)
    scale = min(ONE, budget_quote / wanted_quote) if wanted_quote > 0 else ONE
    intents: list[SubmitIntent] = []
    for trade in trades:
        intent = _intent(trade, scale, budget_quote, equity_quote, params)
        if intent is not None:
            intents.append(intent)
            budget_quote -= exact_product(intent.price, intent.quantity)
    return intents


def _trades(
    targets: Mapping[str, Decimal],
    equity_quote: Decimal,
    positions: Mapping[str, Decimal],
    marks: Mapping[str, Decimal],
    rules: Mapping[str, PairRules],
    working_orders: Sequence[Order],
    params: AllocationParams,
    keep: Collection[str],
) -> list[_Trade]:
    held_symbols = {symbol for symbol, quantity in positions.items() if quantity > 0}
    busy = {(order.symbol, order.side) for order in working_orders if order.status.is_working}
    min_trade_quote = params.min_trade_ratio * equity_quote
    trades: list[_Trade] = []
    for symbol in sorted(set(targets) | (held_symbols - set(keep))):
        rule, mark = rules.get(symbol), marks.get(symbol)
        if rule is None or mark is None or mark <= 0 or not rule.trading or rule.quote != params.quote_asset:
            continue  # no data, no action
        held = max(ZERO, positions.get(symbol, ZERO))
        target_weight = targets.get(symbol, ZERO)
        current_quote = exact_product(held, mark)
        drift_quote = target_weight * equity_quote - current_quote
        side = Side.BUY if drift_quote > 0 else Side.SELL
        if abs(drift_quote) < max(min_trade_quote, rule.min_notional) or (symbol, side) in busy:
            continue
        price = limit_price(mark, side, params.limit_offset_bps, rule)
        if price <= 0:
            continue
        quantity = abs(drift_quote) / mark
        trades.append(
            _Trade(
                symbol=symbol,
                side=side,
                drift_quote=abs(drift_quote),
                target_weight=target_weight,
                current_quote=current_quote,
                mark=mark,
                price=price,
                quantity=min(quantity, held) if side is Side.SELL else quantity,
                rules=rule,
            )
        )
    return trades


def _intent(
    trade: _Trade, scale: Decimal, budget_quote: Decimal, equity_quote: Decimal, params: AllocationParams
) -> SubmitIntent | None:
    rule, price = trade.rules, trade.price
    quantity = rule.quantize_quantity(trade.quantity * scale)
    if exact_product(price, quantity) > budget_quote:  # rounding in the scale: never pass the cap
        quantity = rule.quantize_quantity(budget_quote / price)
        if exact_product(price, quantity) > budget_quote:
            quantity -= Decimal(1).scaleb(-rule.quantity_scale)
    if quantity <= 0 or exact_product(price, quantity) < rule.min_notional:
        return None
    quote = params.quote_asset
    scaled = "; scaled down to the turnover cap" if scale < ONE else ""
    return SubmitIntent(
        symbol=trade.symbol,
        side=trade.side,
        price=price,
        quantity=quantity,
        rationale=(
            f"rebalance: target {trade.target_weight:.4f} of equity "
            f"({trade.target_weight * equity_quote:.2f} {quote}) vs current "
            f"{trade.current_quote / equity_quote:.4f} ({trade.current_quote:.2f} {quote}); "
            f"{trade.side} {quantity} at {price} (mark {trade.mark}, offset {params.limit_offset_bps} bps)"
            f"{scaled}"
        ),
    )
