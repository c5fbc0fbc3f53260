"""The books valued at market marks: equity, PnL and what could not be valued."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal
from types import MappingProxyType

from bot.accounting.books import Books
from bot.accounting.exact import difference, product, total, total_of
from bot.domain.money import ZERO


@dataclass(frozen=True, slots=True, kw_only=True)
class Valuation:
    """Amounts in the books' quote asset, exact to the last digit of the inputs.

    `equity` = `cash_quote` + `positions_value`, where `positions_value` sums every non-quote cash
    balance at its symbol's mark. Balances whose symbol has no mark are left out of equity and
    named in `missing_marks`, as are held positions without a mark (left out of `unrealized_pnl`).
    A mark that is not positive counts as missing.
    """

    equity: Decimal
    cash_quote: Decimal
    positions_value: Decimal
    realized_pnl: Decimal
    unrealized_pnl: Mapping[str, Decimal]
    fees_quote: Decimal
    missing_marks: tuple[str, ...]

    @property
    def unrealized_pnl_total(self) -> Decimal:
        return total_of(self.unrealized_pnl.values())


def value(books: Books, marks: Mapping[str, Decimal]) -> Valuation:
    """Value `books` at `marks` (symbol -> mid price in the quote asset).

    The cash balance of a base asset is what is valued, not the position, so a ledger whose
    positions and balances disagree shows it. Unrealised PnL per symbol is
    quantity x (mark - average cost); a flat position's is 0.
    """
    missing: set[str] = set()
    cash_quote = books.cash.get(books.quote_asset, ZERO)
    holdings_value: list[Decimal] = []
    for asset, balance in books.cash.items():
        if asset == books.quote_asset or balance == 0:
            continue
        symbol = books.symbol_of(asset)
        mark = marks.get(symbol)
        if mark is None or mark <= 0:
            missing.add(symbol)
            continue
        holdings_value.append(product(balance, mark))
    unrealized: dict[str, Decimal] = {}
    for symbol, position in books.positions.items():
        if position.quantity == 0:
            unrealized[symbol] = ZERO
            continue
        mark = marks.get(symbol)
        if mark is None or mark <= 0:
            missing.add(symbol)
            continue
        unrealized[symbol] = product(position.quantity, difference(mark, position.average_cost))
    positions_value = total_of(holdings_value)
    positions = books.positions.values()
    return Valuation(
        equity=total(cash_quote, positions_value),
        cash_quote=cash_quote,
        positions_value=positions_value,
        realized_pnl=total_of(position.realized_pnl for position in positions),
        unrealized_pnl=MappingProxyType(unrealized),
        fees_quote=total_of(position.fees_paid for position in positions),
        missing_marks=tuple(sorted(missing)),
    )
