"""The books valued at market marks: equity, PnL and what could not be valued."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from types import MappingProxyType

from bot.accounting.books import Books
from bot.accounting.exact import difference, product, total, total_of
from bot.accounting.marks import NO_CARRY, Carry, fresh_only
from bot.domain.money import ZERO


@dataclass(frozen=True, slots=True, kw_only=True)
class Valuation:
    """Amounts in the books' quote asset, exact to the last digit of the inputs.

    `equity` = `cash_quote` + `positions_value`, where `positions_value` sums every non-quote cash
    balance at its symbol's mark: this cycle's, or else its last known mark if no older than the
    carry's bound (named in `carried_marks` with its age). A balance without either is left out
    of equity (and a held position out of `unrealized_pnl`) and named in `missing_marks`:

    - in `stale_marks` (with the age of its last mark) when it had a mark once. Equity is then
      less than the holdings are worth, so the valuation is not `complete`: no drawdown, daily
      loss or peak may be read from it.
    - in `unpriced` when it never had one. It was in no earlier equity (no peak, no day start)
      either, so leaving it out compares like with like, and the valuation stays complete; the
      first cycle with a mark adds it, a gain from then on carried.

    A mark that is not positive counts as missing.
    """

    equity: Decimal
    cash_quote: Decimal
    positions_value: Decimal
    realized_pnl: Decimal
    unrealized_pnl: Mapping[str, Decimal]
    fees_quote: Decimal
    missing_marks: tuple[str, ...]
    carried_marks: Mapping[str, int] = field(default_factory=dict)  # symbol -> age (ms) of the mark used
    stale_marks: Mapping[str, int] = field(default_factory=dict)  # symbol -> age (ms) of its last mark
    unpriced: tuple[str, ...] = ()

    @property
    def unrealized_pnl_total(self) -> Decimal:
        return total_of(self.unrealized_pnl.values())

    @property
    def complete(self) -> bool:
        """Every holding that was ever valued is valued now: equity can be compared with the past."""
        return not self.stale_marks


def value(books: Books, marks: Mapping[str, Decimal], carry: Carry = NO_CARRY) -> Valuation:
    """Value `books` at `marks` (symbol -> mid price in the quote asset), falling back on `carry`.

    The cash balance of a base asset is what is valued, not the position, so a ledger whose
    positions and balances disagree shows it. Unrealised PnL per symbol is
    quantity x (mark - average cost); a flat position's is 0.
    """
    prices = _Prices(fresh_only(marks), carry)
    cash_quote = books.cash.get(books.quote_asset, ZERO)
    holdings_value: list[Decimal] = []
    for asset, balance in books.cash.items():
        if asset == books.quote_asset or balance == 0:
            continue
        mark = prices.of(books.symbol_of(asset))
        if mark is not None:
            holdings_value.append(product(balance, mark))
    unrealized: dict[str, Decimal] = {}
    for symbol, position in books.positions.items():
        if position.quantity == 0:
            unrealized[symbol] = ZERO
        elif (mark := prices.of(symbol)) is not None:
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
        missing_marks=tuple(sorted({*prices.stale, *prices.unpriced})),
        carried_marks=MappingProxyType(dict(sorted(prices.carried.items()))),
        stale_marks=MappingProxyType(dict(sorted(prices.stale.items()))),
        unpriced=tuple(sorted(prices.unpriced)),
    )


class _Prices:
    """Looks up the mark of each held symbol and remembers where it came from."""

    def __init__(self, fresh: Mapping[str, Decimal], carry: Carry) -> None:
        self._fresh = fresh
        self._carry = carry
        self.carried: dict[str, int] = {}
        self.stale: dict[str, int] = {}
        self.unpriced: set[str] = set()

    def of(self, symbol: str) -> Decimal | None:
        price = self._fresh.get(symbol)
        if price is not None:
            return price
        carried = self._carry.usable(symbol)
        if carried is not None:
            self.carried[symbol] = carried.age_ms(self._carry.now_ms)
            return carried.price
        last = self._carry.marks.get(symbol)
        if last is None:
            self.unpriced.add(symbol)
        else:
            self.stale[symbol] = last.age_ms(self._carry.now_ms)
        return None
