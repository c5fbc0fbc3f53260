"""The ledger read into accounting: opening balances and every fill, valued at this cycle's marks."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal

from bot.accounting import Books, Valuation, build_books, value
from bot.accounting.trade_outcomes import TradeOutcomes, trade_outcomes
from bot.domain.events import EventType
from bot.domain.market import MarketSnapshot
from bot.domain.symbols import PairRules
from bot.store import Database
from bot.store.payloads import loads


@dataclass(frozen=True, slots=True, kw_only=True)
class LedgerAccounts:
    books: Books
    valuation: Valuation
    outcomes: TradeOutcomes
    opening_balances: Mapping[str, Decimal]


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


def read_accounts(
    database: Database,
    *,
    rules: Mapping[str, PairRules],
    marks: Mapping[str, Decimal],
    quote_asset: str,
    opening_prices: Mapping[str, Decimal],
    day_start_ms: int,
) -> LedgerAccounts:
    """Books and valuation from the ledger's opening balances and fills (ledger order)."""
    opening = opening_balances(database)
    fills = database.fills.all()
    books = build_books(
        opening_balances=opening,
        fills=fills,
        pairs=rules,
        quote_asset=quote_asset,
        opening_prices=opening_prices,
        fee_marks=marks,
    )
    outcomes = trade_outcomes(fills, quote_asset=quote_asset, since_ms=day_start_ms, fee_marks=marks)
    return LedgerAccounts(
        books=books, valuation=value(books, marks), outcomes=outcomes, opening_balances=opening
    )
