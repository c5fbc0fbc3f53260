"""The books: cash per asset and positions per symbol, derived from opening balances and fills.

`BooksFold` applies fills one at a time and can be read at any point; `build_books` folds a
whole list. Every fill's effect depends only on the fill and the books before it (a fee is
converted at the trade's own price), so the books after a sequence of fills are the same
however they are built: at once, or fill by fill across cycles (`bot.accounting.running`).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from types import MappingProxyType
from typing import Protocol

from bot.accounting.cost_basis import apply_trade
from bot.accounting.exact import difference, product, total
from bot.accounting.fees import fee_in_quote
from bot.accounting.trade_outcomes import TradeEntry, TradeOutcomes, outcomes_since
from bot.domain.account import Position
from bot.domain.money import ZERO
from bot.domain.orders import Fill, Side

_NO_PRICES: Mapping[str, Decimal] = MappingProxyType({})


class PairAssets(Protocol):
    """What the books need of a pair: its two assets (`PairRules` is one)."""

    @property
    def base(self) -> str: ...

    @property
    def quote(self) -> str: ...


@dataclass(frozen=True, slots=True, kw_only=True)
class Books:
    """What the ledger's fills imply, in `quote_asset`.

    `cash` is the balance per asset (fees and taxes deducted from their fee asset). `positions`
    hold base quantities with an average cost that includes buy fees; sell fees reduce realised
    PnL. A fee that could not be converted to the quote asset is in `unconverted_fees` (asset ->
    amount) and not in PnL. Opening base holdings without a price have cost basis 0 and their
    symbols are listed in `missing_opening_prices`. `symbol_by_asset` maps a base asset to its
    pair quoted in `quote_asset`.
    """

    quote_asset: str
    cash: Mapping[str, Decimal]
    positions: Mapping[str, Position]
    unconverted_fees: Mapping[str, Decimal]
    missing_opening_prices: tuple[str, ...]
    symbol_by_asset: Mapping[str, str] = field(default_factory=dict)

    def symbol_of(self, asset: str) -> str:
        """The symbol pricing `asset` in the quote asset: its pair if known, else asset + quote."""
        return symbol_of(asset, quote_asset=self.quote_asset, symbol_by_asset=self.symbol_by_asset)


def symbol_of(asset: str, *, quote_asset: str, symbol_by_asset: Mapping[str, str]) -> str:
    """The symbol pricing `asset` in `quote_asset`: its pair if known, else asset + quote (BTC -> BTCTRY)."""
    return symbol_by_asset.get(asset, f"{asset}{quote_asset}")


def build_books(
    *,
    opening_balances: Mapping[str, Decimal],
    fills: Sequence[Fill],
    pairs: Mapping[str, PairAssets],
    quote_asset: str,
    opening_prices: Mapping[str, Decimal] = _NO_PRICES,
) -> Books:
    """Apply `fills` in order to the opening balances (see `BooksFold`).

    `pairs` maps symbol -> its assets (`PairRules` will do); `opening_prices` maps symbol ->
    price in `quote_asset`.

    Raises ValueError for a negative opening balance, a fill whose symbol is not in `pairs` or is
    not quoted in `quote_asset`, or a fill with a non-positive price or quantity or a negative fee.
    """
    fold = BooksFold(
        quote_asset=quote_asset,
        symbol_by_asset=symbols_by_asset(pairs, quote_asset),
        opening_balances=opening_balances,
        opening_prices=opening_prices,
    )
    for fill in fills:
        fold.apply(fill, pairs)
    return fold.books()


def symbols_by_asset(pairs: Mapping[str, PairAssets], quote_asset: str) -> dict[str, str]:
    """Base asset -> its pair quoted in `quote_asset`."""
    return {rules.base: symbol for symbol, rules in pairs.items() if rules.quote == quote_asset}


class BooksFold:
    """Books that fills are applied to one at a time, readable between fills.

    An opening balance of a pair's base (quoted in `quote_asset`) opens a position at
    `opening_prices[symbol]`. Buy fees join the cost basis, sell fees reduce realised PnL; a fee
    is converted to the quote asset at the trade's price (`bot.accounting.fees`), and one that
    cannot be is kept in `unconverted_fees` and out of PnL. Each applied fill also leaves a
    `TradeEntry` for `outcomes`.
    """

    def __init__(
        self,
        *,
        quote_asset: str,
        symbol_by_asset: Mapping[str, str],
        opening_balances: Mapping[str, Decimal],
        opening_prices: Mapping[str, Decimal] = _NO_PRICES,
    ) -> None:
        self.quote_asset = quote_asset
        self.symbol_by_asset = dict(symbol_by_asset)
        self.cash: dict[str, Decimal] = {}
        self.positions: dict[str, Position] = {}
        self.unconverted_fees: dict[str, Decimal] = {}
        self.missing_opening_prices: set[str] = set()
        self.entries: list[TradeEntry] = []
        self._open(opening_balances, opening_prices)

    def apply(self, fill: Fill, pairs: Mapping[str, PairAssets]) -> None:
        """Apply one fill. Raises ValueError (and changes nothing) for a fill the books cannot place."""
        rules = _rules_for(fill, pairs, self.quote_asset)
        _check_amounts(fill)
        fee = fee_in_quote(fill, quote_asset=self.quote_asset, base_asset=rules.base)
        self._post_cash(fill, rules)
        if fee is None:
            self.unconverted_fees[fill.fee_asset] = total(
                self.unconverted_fees.get(fill.fee_asset, ZERO), fill.fee, fill.tax
            )
        before = self.positions.get(fill.symbol, Position(symbol=fill.symbol))
        after = apply_trade(
            before, side=fill.side, price=fill.price, quantity=fill.quantity, fee_quote=fee or ZERO
        )
        self.positions[fill.symbol] = after
        realised = difference(after.realized_pnl, before.realized_pnl) if fill.side is Side.SELL else None
        self.entries.append(TradeEntry(fill.ts_ms, fee, realised))

    def books(self) -> Books:
        """A read-only copy of the books as they stand."""
        return Books(
            quote_asset=self.quote_asset,
            cash=MappingProxyType(dict(self.cash)),
            positions=MappingProxyType(dict(self.positions)),
            unconverted_fees=MappingProxyType(dict(self.unconverted_fees)),
            missing_opening_prices=tuple(sorted(self.missing_opening_prices)),
            symbol_by_asset=MappingProxyType(dict(self.symbol_by_asset)),
        )

    def outcomes(self, since_ms: int) -> TradeOutcomes:
        """Loss streak and fees of the fills at or after `since_ms` (applied in time order)."""
        return outcomes_since(self.entries, since_ms)

    def _open(self, balances: Mapping[str, Decimal], prices: Mapping[str, Decimal]) -> None:
        for asset, amount in balances.items():
            if amount < 0:
                raise ValueError(f"opening balance of {asset} is negative ({amount})")
            self.cash[asset] = amount
            symbol = self.symbol_by_asset.get(asset)
            if symbol is None or amount == 0:
                continue
            price = prices.get(symbol)
            if price is None or price <= 0:
                self.missing_opening_prices.add(symbol)
                price = ZERO
            self.positions[symbol] = Position(symbol=symbol, quantity=amount, average_cost=price)

    def _post_cash(self, fill: Fill, rules: PairAssets) -> None:
        notional = product(fill.price, fill.quantity)
        if fill.side is Side.BUY:
            self._credit(rules.base, fill.quantity)
            self._debit(rules.quote, notional)
        else:
            self._debit(rules.base, fill.quantity)
            self._credit(rules.quote, notional)
        self._debit(fill.fee_asset, total(fill.fee, fill.tax))

    def _credit(self, asset: str, amount: Decimal) -> None:
        self.cash[asset] = total(self.cash.get(asset, ZERO), amount)

    def _debit(self, asset: str, amount: Decimal) -> None:
        self.cash[asset] = difference(self.cash.get(asset, ZERO), amount)


def _rules_for(fill: Fill, pairs: Mapping[str, PairAssets], quote_asset: str) -> PairAssets:
    rules = pairs.get(fill.symbol)
    if rules is None:
        raise ValueError(f"fill {fill.trade_id}: symbol {fill.symbol!r} is not in pairs")
    if rules.quote != quote_asset:
        # Its cost and PnL would be in another asset; adding them to quote-asset PnL would be wrong.
        raise ValueError(
            f"fill {fill.trade_id}: symbol {fill.symbol!r} is quoted in {rules.quote}, not {quote_asset}"
        )
    return rules


def _check_amounts(fill: Fill) -> None:
    for name, amount, least in (
        ("price", fill.price, "positive"),
        ("quantity", fill.quantity, "positive"),
        ("fee", fill.fee, "non-negative"),
        ("tax", fill.tax, "non-negative"),
    ):
        if amount < 0 or (amount == 0 and least == "positive"):
            raise ValueError(f"fill {fill.trade_id} ({fill.symbol}): {name} must be {least}, got {amount}")
