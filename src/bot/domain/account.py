"""Balances, positions and the account snapshot."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from decimal import Decimal

from bot.domain.money import ZERO, exact_product
from bot.domain.orders import ExchangeOrder, Fill, Side


@dataclass(frozen=True, slots=True, kw_only=True)
class Balance:
    asset: str
    total: Decimal
    free: Decimal
    locked: Decimal


@dataclass(frozen=True, slots=True, kw_only=True)
class AccountSnapshot:
    ts_ms: int
    balances: Mapping[str, Balance] = field(default_factory=dict)
    open_orders: tuple[ExchangeOrder, ...] = ()

    def free(self, asset: str) -> Decimal:
        balance = self.balances.get(asset)
        return balance.free if balance else ZERO


@dataclass(frozen=True, slots=True, kw_only=True)
class Position:
    """Base-asset holdings of one symbol with average cost in the quote asset.

    Fees paid on buys are part of the cost; fees on sells reduce realised PnL.
    """

    symbol: str
    quantity: Decimal = ZERO
    average_cost: Decimal = ZERO
    realized_pnl: Decimal = ZERO
    fees_paid: Decimal = ZERO

    def apply_fill(self, fill: Fill) -> Position:
        """The position after `fill`. Pure; selling more than held flattens at zero cost basis."""
        fee = fill.fee + fill.tax
        notional = exact_product(fill.price, fill.quantity)
        if fill.side is Side.BUY:
            new_quantity = self.quantity + fill.quantity
            cost = exact_product(self.average_cost, self.quantity) + notional + fee
            average = cost / new_quantity if new_quantity > 0 else ZERO
            return replace(self, quantity=new_quantity, average_cost=average, fees_paid=self.fees_paid + fee)
        sold = min(fill.quantity, self.quantity)
        pnl = exact_product(fill.price - self.average_cost, sold) - fee
        remaining = self.quantity - fill.quantity
        if remaining <= 0:
            return replace(
                self,
                quantity=ZERO,
                average_cost=ZERO,
                realized_pnl=self.realized_pnl + pnl,
                fees_paid=self.fees_paid + fee,
            )
        return replace(
            self, quantity=remaining, realized_pnl=self.realized_pnl + pnl, fees_paid=self.fees_paid + fee
        )


def balance_deltas(fill: Fill, base: str, quote: str) -> dict[str, Decimal]:
    """How a fill changes total balances per asset (fee and tax deducted from `fee_asset`)."""
    notional = exact_product(fill.price, fill.quantity)
    deltas: dict[str, Decimal] = {}
    if fill.side is Side.BUY:
        deltas[base] = fill.quantity
        deltas[quote] = -notional
    else:
        deltas[base] = -fill.quantity
        deltas[quote] = notional
    deltas[fill.fee_asset] = deltas.get(fill.fee_asset, ZERO) - fill.fee - fill.tax
    return deltas
