"""Exchange-rule checks: the pair exists and trades, the price is in band, the order is valid."""

from __future__ import annotations

from dataclasses import replace
from decimal import Decimal

from bot.domain.decisions import DecisionLayer, ReasonCode
from bot.domain.intents import SubmitIntent
from bot.domain.money import exact_product
from bot.domain.symbols import PairRules
from bot.risk.checks_context import CheckContext
from bot.risk.checks_outcome import Refused


def rules_for(intent: SubmitIntent, ctx: CheckContext) -> PairRules:
    """The pair's rules; refuses a missing or halted pair and a price outside the band."""
    rules = ctx.rules.get(intent.symbol)
    if rules is None:
        raise Refused(DecisionLayer.EXCHANGE_RULES, ReasonCode.RULES_MISSING)
    if not rules.trading:
        raise Refused(DecisionLayer.EXCHANGE_RULES, ReasonCode.SYMBOL_NOT_TRADING)
    price = rules.quantize_price(intent.price, intent.side)
    if not rules.min_price <= price <= rules.max_price:
        raise Refused(
            DecisionLayer.EXCHANGE_RULES,
            ReasonCode.PRICE_OUT_OF_BAND,
            price=str(price),
            band=f"{rules.min_price}..{rules.max_price}",
        )
    return rules


def finalize(intent: SubmitIntent, price: Decimal, quantity: Decimal, rules: PairRules) -> SubmitIntent:
    """The intent at the pair's scale; refuses one that rounds to nothing or is below min notional."""
    quantity = rules.quantize_quantity(quantity)
    if quantity <= 0:
        raise Refused(DecisionLayer.EXCHANGE_RULES, ReasonCode.QUANTITY_ROUNDS_TO_ZERO)
    notional = exact_product(price, quantity)
    if notional < rules.min_notional:
        raise Refused(
            DecisionLayer.EXCHANGE_RULES,
            ReasonCode.BELOW_MIN_NOTIONAL,
            notional=str(notional),
            min_notional=str(rules.min_notional),
        )
    return replace(intent, price=price, quantity=quantity)
