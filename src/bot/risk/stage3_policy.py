"""Stage 3 checks: per-intent caps, each outcome a Decision with one reason code.

Layers in order: safety gate, exchange rules, risk policy, capital. Caps reduce quantity
(verdict CAPPED); a capped order that falls below the exchange minimum is rejected.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from decimal import Decimal

from bot.domain.account import AccountSnapshot
from bot.domain.decisions import Decision, DecisionLayer, ReasonCode, Verdict
from bot.domain.intents import CancelIntent, OrderIntent, SubmitIntent
from bot.domain.market import MarketSnapshot
from bot.domain.money import ZERO, exact_product
from bot.domain.orders import Order, Side
from bot.domain.symbols import PairRules
from bot.risk.safety_gate import SafetyState, gate


@dataclass(frozen=True, slots=True, kw_only=True)
class Stage3Limits:
    max_orders_per_cycle: int
    max_open_orders_per_symbol: int
    side_cooldown_ms: int
    max_notional_per_order_try: Decimal
    max_notional_per_cycle_try: Decimal
    cash_reserve_try: Decimal
    quote_asset: str
    # Worst-case fee+tax per unit of notional, reserved on buys so fees cannot breach the reserve.
    fee_allowance_ratio: Decimal = Decimal("0.0025")


@dataclass(frozen=True, slots=True, kw_only=True)
class CheckContext:
    cycle_id: int
    now_ms: int
    market: MarketSnapshot
    account: AccountSnapshot
    working_orders: Sequence[Order]
    last_submit_ms: Mapping[tuple[str, Side], int]
    rules: Mapping[str, PairRules]
    safety: SafetyState
    # Buys whose outcome is unknown count as if they had taken the cash (ARCHITECTURE §3.3).
    unresolved_buy_notional_try: Decimal = ZERO


@dataclass(slots=True)
class _Budget:
    """What this cycle's earlier approvals have already used."""

    submits: int = 0
    notional: Decimal = ZERO
    quote_committed: Decimal = ZERO
    base_committed: dict[str, Decimal] = field(default_factory=dict)
    opened: dict[str, int] = field(default_factory=dict)
    sides: set[tuple[str, Side]] = field(default_factory=set)


class _Refused(Exception):
    def __init__(self, layer: DecisionLayer, reason: ReasonCode, **details: str) -> None:
        self.layer, self.reason, self.details = layer, reason, details


def check_stage3(intents: Sequence[OrderIntent], ctx: CheckContext, limits: Stage3Limits) -> list[Decision]:
    """One Decision per intent, in order. Pure."""
    budget = _Budget()
    decisions = []
    for intent in intents:
        decisions.append(_check_one(intent, ctx, limits, budget))
    return decisions


def _check_one(intent: OrderIntent, ctx: CheckContext, limits: Stage3Limits, budget: _Budget) -> Decision:
    refusal = gate(intent, ctx.safety, ctx.market, ctx.now_ms)
    if refusal is not None:
        return _decision(
            ctx, intent, Verdict.REJECTED, refusal.reason, DecisionLayer.SAFETY_GATE, refusal.details
        )
    if isinstance(intent, CancelIntent):
        return _check_cancel(intent, ctx)
    caps: list[ReasonCode] = []
    try:
        final = _check_submit(intent, ctx, limits, budget, caps)
    except _Refused as refused:
        return _decision(ctx, intent, Verdict.REJECTED, refused.reason, refused.layer, refused.details)
    _commit(final, ctx.rules[final.symbol].base, budget, limits)
    if caps:
        details = {"caps": ",".join(caps), "requested_quantity": str(intent.quantity)}
        return _decision(ctx, intent, Verdict.CAPPED, caps[-1], _layer_of(caps[-1]), details, final)
    return _decision(ctx, intent, Verdict.APPROVED, ReasonCode.OK, DecisionLayer.RISK_POLICY, {}, final)


def _check_cancel(intent: CancelIntent, ctx: CheckContext) -> Decision:
    if not any(o.client_order_id == intent.client_order_id for o in ctx.working_orders):
        return _decision(
            ctx, intent, Verdict.REJECTED, ReasonCode.ORDER_NOT_WORKING, DecisionLayer.EXECUTION, {}
        )
    return _decision(ctx, intent, Verdict.APPROVED, ReasonCode.OK, DecisionLayer.RISK_POLICY, {}, intent)


def _check_submit(
    intent: SubmitIntent, ctx: CheckContext, limits: Stage3Limits, budget: _Budget, caps: list[ReasonCode]
) -> SubmitIntent:
    rules = _rules_for(intent, ctx)
    price = rules.quantize_price(intent.price, intent.side)
    quantity = rules.quantize_quantity(intent.quantity)
    _check_policy(intent, ctx, limits, budget)
    quantity = _cap(
        quantity, limits.max_notional_per_order_try / price, ReasonCode.NOTIONAL_PER_ORDER_CAPPED, caps
    )
    cycle_room = limits.max_notional_per_cycle_try - budget.notional
    if cycle_room < rules.min_notional:  # what is left could not buy a valid order
        raise _Refused(
            DecisionLayer.RISK_POLICY,
            ReasonCode.NOTIONAL_PER_CYCLE_EXHAUSTED,
            cycle_used=str(budget.notional),
        )
    quantity = _cap(quantity, cycle_room / price, ReasonCode.NOTIONAL_PER_CYCLE_CAPPED, caps)
    quantity = _check_capital(intent, price, quantity, ctx, limits, budget, caps)
    quantity = rules.quantize_quantity(quantity)
    if quantity <= 0:
        raise _Refused(DecisionLayer.EXCHANGE_RULES, ReasonCode.QUANTITY_ROUNDS_TO_ZERO)
    notional = exact_product(price, quantity)
    if notional < rules.min_notional:
        raise _Refused(
            DecisionLayer.EXCHANGE_RULES,
            ReasonCode.BELOW_MIN_NOTIONAL,
            notional=str(notional),
            min_notional=str(rules.min_notional),
        )
    return replace(intent, price=price, quantity=quantity)


def _rules_for(intent: SubmitIntent, ctx: CheckContext) -> PairRules:
    rules = ctx.rules.get(intent.symbol)
    if rules is None:
        raise _Refused(DecisionLayer.EXCHANGE_RULES, ReasonCode.RULES_MISSING)
    if not rules.trading:
        raise _Refused(DecisionLayer.EXCHANGE_RULES, ReasonCode.SYMBOL_NOT_TRADING)
    price = rules.quantize_price(intent.price, intent.side)
    if not rules.min_price <= price <= rules.max_price:
        raise _Refused(
            DecisionLayer.EXCHANGE_RULES,
            ReasonCode.PRICE_OUT_OF_BAND,
            price=str(price),
            band=f"{rules.min_price}..{rules.max_price}",
        )
    return rules


def _check_policy(intent: SubmitIntent, ctx: CheckContext, limits: Stage3Limits, budget: _Budget) -> None:
    if budget.submits >= limits.max_orders_per_cycle:
        raise _Refused(
            DecisionLayer.RISK_POLICY, ReasonCode.MAX_ORDERS_PER_CYCLE, limit=str(limits.max_orders_per_cycle)
        )
    working = sum(1 for o in ctx.working_orders if o.symbol == intent.symbol)
    if working + budget.opened.get(intent.symbol, 0) >= limits.max_open_orders_per_symbol:
        raise _Refused(
            DecisionLayer.RISK_POLICY,
            ReasonCode.MAX_OPEN_ORDERS_PER_SYMBOL,
            working=str(working),
            limit=str(limits.max_open_orders_per_symbol),
        )
    if limits.side_cooldown_ms > 0 and (intent.symbol, intent.side) in budget.sides:
        raise _Refused(DecisionLayer.RISK_POLICY, ReasonCode.SIDE_COOLDOWN, since_last_ms="0")
    last = ctx.last_submit_ms.get((intent.symbol, intent.side))
    if last is not None and ctx.now_ms - last < limits.side_cooldown_ms:
        raise _Refused(
            DecisionLayer.RISK_POLICY,
            ReasonCode.SIDE_COOLDOWN,
            since_last_ms=str(ctx.now_ms - last),
            cooldown_ms=str(limits.side_cooldown_ms),
        )


def _check_capital(
    intent: SubmitIntent,
    price: Decimal,
    quantity: Decimal,
    ctx: CheckContext,
    limits: Stage3Limits,
    budget: _Budget,
    caps: list[ReasonCode],
) -> Decimal:
    rules = ctx.rules[intent.symbol]
    if intent.side is Side.SELL:
        held = ctx.account.free(rules.base) - budget.base_committed.get(rules.base, ZERO)
        if held <= 0:
            raise _Refused(DecisionLayer.CAPITAL, ReasonCode.INSUFFICIENT_BASE_BALANCE, free=str(held))
        return _cap(quantity, held, ReasonCode.INSUFFICIENT_BASE_BALANCE, caps)
    spendable = (
        ctx.account.free(limits.quote_asset)
        - limits.cash_reserve_try
        - ctx.unresolved_buy_notional_try
        - budget.quote_committed
    )
    if spendable <= 0:
        raise _Refused(
            DecisionLayer.CAPITAL,
            ReasonCode.CASH_RESERVE_BREACH,
            free=str(ctx.account.free(limits.quote_asset)),
            reserve=str(limits.cash_reserve_try),
        )
    affordable = spendable / (price * (1 + limits.fee_allowance_ratio))
    return _cap(quantity, affordable, ReasonCode.CASH_RESERVE_CAPPED, caps)


def _cap(quantity: Decimal, ceiling: Decimal, reason: ReasonCode, caps: list[ReasonCode]) -> Decimal:
    if quantity > ceiling:
        caps.append(reason)
        return ceiling
    return quantity


def _commit(intent: SubmitIntent, base: str, budget: _Budget, limits: Stage3Limits) -> None:
    notional = exact_product(intent.price, intent.quantity)
    budget.submits += 1
    budget.notional += notional
    budget.opened[intent.symbol] = budget.opened.get(intent.symbol, 0) + 1
    budget.sides.add((intent.symbol, intent.side))
    if intent.side is Side.BUY:
        budget.quote_committed += notional * (1 + limits.fee_allowance_ratio)
    else:
        budget.base_committed[base] = budget.base_committed.get(base, ZERO) + intent.quantity


_LAYERS = {
    ReasonCode.CASH_RESERVE_CAPPED: DecisionLayer.CAPITAL,
    ReasonCode.INSUFFICIENT_BASE_BALANCE: DecisionLayer.CAPITAL,
}


def _layer_of(reason: ReasonCode) -> DecisionLayer:
    return _LAYERS.get(reason, DecisionLayer.RISK_POLICY)


def _decision(
    ctx: CheckContext,
    intent: OrderIntent,
    verdict: Verdict,
    reason: ReasonCode,
    layer: DecisionLayer,
    details: Mapping[str, str],
    final: OrderIntent | None = None,
) -> Decision:
    return Decision(
        cycle_id=ctx.cycle_id,
        intent=intent,
        verdict=verdict,
        reason_code=reason,
        layer=layer,
        final_intent=final,
        details=dict(details),
    )
