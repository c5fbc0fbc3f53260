"""Pairs, fills and exact sums for accounting tests."""

from __future__ import annotations

from collections.abc import Iterable
from decimal import MAX_EMAX, MAX_PREC, MIN_EMIN, Context, Decimal
from itertools import count

from bot.domain.orders import Fill, Side
from bot.domain.symbols import PairRules

D = Decimal
QUOTE = "TRY"
# The tests' own sums must not round either, or they would hide (or invent) a lost digit.
EXACT = Context(prec=MAX_PREC, Emax=MAX_EMAX, Emin=MIN_EMIN)
_trade_ids = count(1)


def pair(base: str, quote: str = QUOTE, *, quantity_scale: int = 8, price_scale: int = 2) -> PairRules:
    return PairRules(
        symbol=f"{base}{quote}",
        base=base,
        quote=quote,
        quantity_scale=quantity_scale,
        price_scale=price_scale,
        tick_size=D(1).scaleb(-price_scale),
        min_notional=D("10"),
        min_price=D("0.0001"),
        max_price=D("100000000"),
    )


def pairs(*rules: PairRules) -> dict[str, PairRules]:
    return {r.symbol: r for r in rules}


def fill(
    symbol: str,
    side: Side,
    price: str | Decimal,
    quantity: str | Decimal,
    *,
    fee: str | Decimal = "0",
    tax: str | Decimal = "0",
    fee_asset: str = QUOTE,
    ts_ms: int = 1_700_000_000_000,
) -> Fill:
    trade_id = next(_trade_ids)
    return Fill(
        trade_id=f"t{trade_id}",
        exchange_order_id=f"o{trade_id}",
        client_order_id=None,
        symbol=symbol,
        side=side,
        price=D(price),
        quantity=D(quantity),
        fee=D(fee),
        tax=D(tax),
        fee_asset=fee_asset,
        ts_ms=ts_ms,
    )


def exact_sum(values: Iterable[Decimal]) -> Decimal:
    result = D(0)
    for value in values:
        result = EXACT.add(result, value)
    return result


def exact_product(a: Decimal, b: Decimal) -> Decimal:
    return EXACT.multiply(a, b)
