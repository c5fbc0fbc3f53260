"""The books: cash per asset and positions per symbol, derived from opening balances and fills."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from types import MappingProxyType
from typing import Protocol

from bot.accounting.cost_basis import apply_trade
from bot.accounting.exact import difference, product, total
from bot.accounting.fees import fee_in_quote
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
    fee_marks: Mapping[str, Decimal] = _NO_PRICES,
) -> Books:
    """Apply `fills` in order (ledger order) to the opening balances.

    `pairs` maps symbol -> its assets (`PairRules` will do); `opening_prices` and `fee_marks` map
    symbol -> price in `quote_asset`. An opening balance of a pair's base (quoted in
    `quote_asset`) opens a position at `opening_prices[symbol]`. A fee in another asset X is
    converted at the mark of X's symbol.

    Raises ValueError for a negative opening balance, a fill whose symbol is not in `pairs` or is
    not quoted in `quote_asset`, or a fill with a non-positive price or quantity or a negative fee.
    """
    symbol_by_asset = {rules.base: symbol for symbol, rules in pairs.items() if rules.quote == quote_asset}
    ledger = _Ledger(quote_asset=quote_asset, symbol_by_asset=symbol_by_asset, fee_marks=fee_marks)
    ledger.open(opening_balances, opening_prices)
    for fill in fills:
        ledger.apply(fill, _rules_for(fill, pairs, quote_asset))
    return Books(
        quote_asset=quote_asset,
        cash=MappingProxyType(ledger.cash),
        positions=MappingProxyType(ledger.positions),
        unconverted_fees=MappingProxyType(ledger.unconverted_fees),
        missing_opening_prices=tuple(sorted(ledger.missing_opening_prices)),
        symbol_by_asset=MappingProxyType(symbol_by_asset),
    )


class _Ledger:
    """The mutable working state of one `build_books` call; never escapes it."""

    def __init__(
        self, *, quote_asset: str, symbol_by_asset: Mapping[str, str], fee_marks: Mapping[str, Decimal]
    ) -> None:
        self.quote_asset = quote_asset
        self.symbol_by_asset = symbol_by_asset
        self.fee_marks = fee_marks
        self.cash: dict[str, Decimal] = {}
        self.positions: dict[str, Position] = {}
        self.unconverted_fees: dict[str, Decimal] = {}
        self.missing_opening_prices: set[str] = set()

    def open(self, balances: Mapping[str, Decimal], prices: Mapping[str, Decimal]) -> None:
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

    def apply(self, fill: Fill, rules: PairAssets) -> None:
        _check_amounts(fill)
        self._post_cash(fill, rules)
        position = self.positions.get(fill.symbol, Position(symbol=fill.symbol))
        self.positions[fill.symbol] = apply_trade(
            position,
            side=fill.side,
            price=fill.price,
            quantity=fill.quantity,
            fee_quote=self._fee_quote(fill),
        )

    def _post_cash(self, fill: Fill, rules: PairAssets) -> None:
        notional = product(fill.price, fill.quantity)
        if fill.side is Side.BUY:
            self._credit(rules.base, fill.quantity)
            self._debit(rules.quote, notional)
        else:
            self._debit(rules.base, fill.quantity)
            self._credit(rules.quote, notional)
        self._debit(fill.fee_asset, total(fill.fee, fill.tax))

    def _fee_quote(self, fill: Fill) -> Decimal:
        """The fee in the quote asset; an unconvertible one is recorded and counts 0 in PnL."""
        asset = fill.fee_asset
        fee_symbol = symbol_of(asset, quote_asset=self.quote_asset, symbol_by_asset=self.symbol_by_asset)
        converted = fee_in_quote(
            fill, quote_asset=self.quote_asset, fee_symbol=fee_symbol, fee_marks=self.fee_marks
        )
        if converted is not None:
            return converted
        self.unconverted_fees[asset] = total(self.unconverted_fees.get(asset, ZERO), fill.fee, fill.tax)
        return ZERO

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
