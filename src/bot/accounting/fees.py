"""Fees and taxes expressed in the books' quote asset."""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal

from bot.accounting.exact import product, total
from bot.domain.orders import Fill


def fee_in_quote(
    fill: Fill, *, quote_asset: str, fee_symbol: str, fee_marks: Mapping[str, Decimal]
) -> Decimal | None:
    """The fill's fee plus tax in `quote_asset`, or None when it cannot be converted.

    A fee already in the quote asset is used as is. A fee in another asset is converted at
    `fee_marks[fee_symbol]` (the price of the fee asset in the quote asset); without a positive
    mark there is no honest conversion, so the caller must report the fee rather than count it as 0.
    """
    amount = total(fill.fee, fill.tax)
    if fill.fee_asset == quote_asset or amount == 0:
        return amount
    mark = fee_marks.get(fee_symbol)
    if mark is None or mark <= 0:
        return None
    return product(amount, mark)
