"""Fees and taxes expressed in the books' quote asset, at the price of the trade itself."""

from __future__ import annotations

from decimal import Decimal

from bot.accounting.exact import product, total
from bot.domain.orders import Fill


def fee_in_quote(fill: Fill, *, quote_asset: str, base_asset: str) -> Decimal | None:
    """The fill's fee plus tax in `quote_asset`, or None when it cannot be converted.

    A fee in the quote asset is used as is; a fee in the pair's base asset is converted at the
    fill's own price, which is what it cost when it was paid. A fee in any other asset has no
    price at the time of the trade in the ledger: the caller reports it rather than count it as 0
    or value it at a later mark (which would rewrite realised PnL as prices move). Its cash still
    leaves the books, so equity, which values cash, is right either way.
    """
    amount = total(fill.fee, fill.tax)
    if fill.fee_asset == quote_asset or amount == 0:
        return amount
    if fill.fee_asset == base_asset:
        return product(amount, fill.price)
    return None
