"""Order validation and fund locking, the way BTCTurk checks a limit order."""

from __future__ import annotations

from decimal import Context, Decimal, Inexact, InvalidOperation

from bot.domain.money import exact_product
from bot.domain.orders import Side
from bot.domain.symbols import PairRules
from bot.exchange.matching.types import EngineReject, FeeSchedule, RejectToken

# Balance arithmetic runs in this context: 80 digits is far beyond any price x quantity we accept,
# and trapping Inexact turns a silent rounding of a balance into a loud bug.
EXACT = Context(prec=80, traps=[Inexact, InvalidOperation])


def validate_limit_order(
    rules: PairRules | None, *, symbol: str, price: Decimal, quantity: Decimal
) -> PairRules:
    """The pair's rules if a limit order at `price` x `quantity` is acceptable; else EngineReject.

    Checks in order: pair listed and trading (1120), positive inputs, price scale (1126),
    quantity scale (1127), min notional (1123), max price (1226), min price (1227).
    """
    if rules is None or not rules.trading:
        raise EngineReject.of(RejectToken.FAILED_LIMIT_ORDER, f"{symbol} is not listed or not trading")
    if price <= 0 or quantity <= 0:
        raise EngineReject.of(RejectToken.FAILED_ORDER_PARAMETER, "price and quantity must be positive")
    if not rules.price_scale_ok(price):
        raise EngineReject.of(
            RejectToken.FAILED_INVALID_PRICE_SCALE,
            f"price {price} has more than {rules.price_scale} decimals",
        )
    if not rules.quantity_scale_ok(quantity):
        raise EngineReject.of(
            RejectToken.FAILED_INVALID_QUANTITY_SCALE,
            f"quantity {quantity} has more than {rules.quantity_scale} decimals",
        )
    if rules.notional(price, quantity) < rules.min_notional:
        raise EngineReject.of(
            RejectToken.FAILED_MIN_TOTAL_AMOUNT, f"price x quantity is below {rules.min_notional}"
        )
    if price > rules.max_price:
        raise EngineReject.of(RejectToken.PRICE_MUST_BE_LESS_THAN_MAXPRICE, f"price above {rules.max_price}")
    if price < rules.min_price:
        raise EngineReject.of(RejectToken.PRICE_MUST_BE_LESS_THAN_MINPRICE, f"price below {rules.min_price}")
    return rules


def required_lock(
    rules: PairRules, fees: FeeSchedule, *, side: Side, price: Decimal, quantity: Decimal
) -> tuple[str, Decimal]:
    """(asset, amount) an order reserves on submit.

    A buy reserves its notional plus the worst-case (taker) fee and tax in the quote asset; a sell
    reserves its base quantity.
    """
    if side is Side.SELL:
        return rules.base, quantity
    notional = exact_product(price, quantity)
    fee = fees.fee(notional, maker=False)
    return rules.quote, EXACT.add(EXACT.add(notional, fee), fees.tax(fee))


def insufficient_funds(asset: str, needed: Decimal, free: Decimal, total: Decimal) -> EngineReject:
    """The rejection for a lock that does not fit in `free`.

    FAILED_ORDER_WITH_OPEN_ORDERS when the total would cover it but open orders hold the funds,
    BALANCE_NOT_ENOUGH otherwise; both carry code 1122.
    """
    detail = f"needs {needed} {asset}, free {free}"
    if total >= needed:
        return EngineReject.of(RejectToken.FAILED_ORDER_WITH_OPEN_ORDERS, detail)
    return EngineReject.of(RejectToken.BALANCE_NOT_ENOUGH, detail)
