"""The ledger read into accounting: opening balances and every fill, valued at this cycle's marks.

`LedgerBooks` lives as long as the stage: each cycle it reads only the fills recorded since the
last one (`FillRepository.recorded_after`) into `RunningBooks`, so a cycle's accounting costs time
in proportion to its new fills, not to the ledger's age. A restart reads them all once.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal

from bot.accounting import Books, Carry, Valuation, value
from bot.accounting.books import PairAssets
from bot.accounting.marks import NO_CARRY, effective_marks
from bot.accounting.running import RunningBooks
from bot.accounting.trade_outcomes import TradeOutcomes
from bot.domain.events import EventType
from bot.domain.market import MarketSnapshot
from bot.domain.orders import Fill
from bot.domain.symbols import PairRules
from bot.store import Database
from bot.store.payloads import loads


@dataclass(frozen=True, slots=True, kw_only=True)
class LedgerAccounts:
    books: Books
    valuation: Valuation
    outcomes: TradeOutcomes
    opening_balances: Mapping[str, Decimal]
    prices: Mapping[str, Decimal]  # every mark the valuation could use: this cycle's and carried ones


def marks_of(market: MarketSnapshot) -> dict[str, Decimal]:
    return {symbol: data.mid for symbol, data in market.symbols.items() if data.mid > 0}


def opening_balances(database: Database) -> dict[str, Decimal]:
    seeded = database.events.first_of_type(EventType.BALANCES_SEEDED.value)
    if seeded is None:
        return {}
    balances = loads(seeded.payload).get("balances")
    if not isinstance(balances, dict):
        return {}
    return {str(asset): Decimal(str(amount)) for asset, amount in balances.items()}


@dataclass(frozen=True, slots=True)
class TradedPair:
    base: str
    quote: str


@dataclass(slots=True)
class LedgerBooks:
    database: Database
    quote_asset: str
    _running: RunningBooks | None = field(default=None, init=False)
    _opened: tuple[Mapping[str, Decimal], Mapping[str, Decimal]] | None = field(default=None, init=False)
    _position: int = field(default=0, init=False)

    def read(
        self,
        *,
        rules: Mapping[str, PairRules],
        marks: Mapping[str, Decimal],
        opening_prices: Mapping[str, Decimal],
        day_start_ms: int,
        carry: Carry = NO_CARRY,
    ) -> LedgerAccounts:
        """Books and valuation from the ledger's opening balances and fills, at `marks` or else
        the last known marks in `carry` (`bot.accounting.marks`).

        Raises ValueError for a fill the books cannot place (it is retried every cycle).
        """
        opening = opening_balances(self.database)
        running = self._books_for(opening, opening_prices)
        fills, self._position = self.database.fills.recorded_after(self._position)
        running.add(fills, {**self._traded_pairs(fills, rules), **rules})
        books = running.books()
        return LedgerAccounts(
            books=books,
            valuation=value(books, marks, carry),
            outcomes=running.outcomes(day_start_ms),
            opening_balances=opening,
            prices=effective_marks(marks, carry),
        )

    def _traded_pairs(self, fills: list[Fill], rules: Mapping[str, PairRules]) -> dict[str, PairAssets]:
        """Pairs no longer in the exchange's rules (delisted), as the fills' own events name them:
        their fills stay in the books after a restart as they were before it."""
        pairs: dict[str, PairAssets] = {}
        for symbol in {f.symbol for f in fills if f.symbol not in rules}:
            traded = self.database.events.traded_pair(symbol)
            if traded is not None:
                pairs[symbol] = TradedPair(base=traded[0], quote=traded[1])
        return pairs

    def _books_for(self, opening: Mapping[str, Decimal], prices: Mapping[str, Decimal]) -> RunningBooks:
        """The running books, started over if what they opened with changed (the first cycles)."""
        if self._running is None or self._opened != (opening, prices):
            self._running = RunningBooks(
                quote_asset=self.quote_asset, opening_balances=opening, opening_prices=prices
            )
            self._opened = (dict(opening), dict(prices))
            self._position = 0
        return self._running
