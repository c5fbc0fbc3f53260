"""Trading pairs and the exchange rules that constrain orders on them."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from bot.domain.money import ceil_to_step, exact_product, floor_to_step, quantize_down, scale_of
from bot.domain.orders import Side

QUOTE_ASSETS = (
    "TRY",
    "USDT",
    "USDC",
    "FDUSD",
    "TUSD",
    "BUSD",
    "DAI",
    "USD",
    "EUR",
    "GBP",
    "BTC",
    "ETH",
    "BNB",
)
"""Quote assets a pair's symbol may end with; a pair quoted in anything else must say so."""


def known_quote(symbol: str) -> str | None:
    """The quote asset of QUOTE_ASSETS that ends `symbol`, longest first (`XRPETH` -> "ETH",
    `BTCUSDT` -> "USDT"); None when none does, or when it would leave no base."""
    for quote in sorted(QUOTE_ASSETS, key=len, reverse=True):
        if symbol.endswith(quote) and len(symbol) > len(quote):
            return quote
    return None


@dataclass(frozen=True, slots=True, kw_only=True)
class PairRules:
    """What the exchange accepts for one pair (BTCTurk exchangeinfo, PRICE_FILTER).

    `price_scale` is already 0 when the pair has no fraction (hasFraction=false).
    `min_notional` is in the quote asset (minExchangeValue).
    """

    symbol: str
    base: str
    quote: str
    quantity_scale: int
    price_scale: int
    tick_size: Decimal
    min_notional: Decimal
    min_price: Decimal
    max_price: Decimal
    trading: bool = True

    def quantize_quantity(self, quantity: Decimal) -> Decimal:
        """Round a quantity down to the pair's quantity scale (never order more than asked)."""
        return quantize_down(quantity, self.quantity_scale)

    def quantize_price(self, price: Decimal, side: Side) -> Decimal:
        """Round a limit price to the tick and scale, in the direction that never worsens it.

        A buy rounds down (never pays more than asked), a sell rounds up.
        """
        step = max(self.tick_size, Decimal(1).scaleb(-self.price_scale))
        rounded = floor_to_step(price, step) if side is Side.BUY else ceil_to_step(price, step)
        return (
            rounded.quantize(Decimal(1).scaleb(-self.price_scale))
            if self.price_scale
            else rounded.quantize(Decimal(1))
        )

    def price_scale_ok(self, price: Decimal) -> bool:
        return scale_of(price) <= self.price_scale

    def quantity_scale_ok(self, quantity: Decimal) -> bool:
        return scale_of(quantity) <= self.quantity_scale

    def notional(self, price: Decimal, quantity: Decimal) -> Decimal:
        return exact_product(price, quantity)
