"""Per-account state inside the engine: total balances and the mutable order records."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from decimal import Decimal

from bot.domain.account import Balance
from bot.domain.money import ZERO, to_decimal
from bot.domain.orders import OrderStatus, Side
from bot.exchange.matching.rules import EXACT
from bot.exchange.matching.types import EngineOrder


@dataclass(slots=True, kw_only=True)
class OrderState:
    """The engine's mutable record of one order; `snapshot()` is what leaves the engine."""

    order_id: int
    account_id: str
    client_order_id: str | None
    symbol: str
    side: Side
    price: Decimal
    quantity: Decimal
    filled_quantity: Decimal
    status: OrderStatus
    created_ms: int
    updated_ms: int
    locked: Decimal
    lock_asset: str

    @property
    def remaining_quantity(self) -> Decimal:
        return self.quantity - self.filled_quantity

    @property
    def is_open(self) -> bool:
        return self.status in (OrderStatus.OPEN, OrderStatus.PARTIALLY_FILLED)

    def snapshot(self) -> EngineOrder:
        return EngineOrder(
            order_id=self.order_id,
            account_id=self.account_id,
            client_order_id=self.client_order_id,
            symbol=self.symbol,
            side=self.side,
            price=self.price,
            quantity=self.quantity,
            filled_quantity=self.filled_quantity,
            status=self.status,
            created_ms=self.created_ms,
            updated_ms=self.updated_ms,
            locked=self.locked,
            lock_asset=self.lock_asset,
        )


class AccountLedger:
    """Total balances per asset. Locked amounts are derived from the account's open orders."""

    def __init__(self, account_id: str, balances: Mapping[str, Decimal]) -> None:
        self.account_id = account_id
        self._totals = {
            asset: to_decimal(amount, field=f"{account_id}.{asset}") for asset, amount in balances.items()
        }

    def total(self, asset: str) -> Decimal:
        return self._totals.get(asset, ZERO)

    def adjust(self, asset: str, delta: Decimal) -> None:
        """Add `delta` (negative to debit) to the asset's total, exactly."""
        self._totals[asset] = EXACT.add(self.total(asset), delta)

    def locked(self, open_orders: Iterable[OrderState]) -> dict[str, Decimal]:
        locked: dict[str, Decimal] = {}
        for state in open_orders:
            if state.account_id == self.account_id:
                locked[state.lock_asset] = EXACT.add(locked.get(state.lock_asset, ZERO), state.locked)
        return locked

    def free(self, asset: str, open_orders: Iterable[OrderState]) -> Decimal:
        return EXACT.subtract(self.total(asset), self.locked(open_orders).get(asset, ZERO))

    def balances(self, open_orders: Iterable[OrderState]) -> dict[str, Balance]:
        """Every asset the account has ever held, with free = total - locked."""
        locked = self.locked(open_orders)
        assets = sorted(set(self._totals) | set(locked))
        return {
            asset: Balance(
                asset=asset,
                total=self.total(asset),
                locked=locked.get(asset, ZERO),
                free=EXACT.subtract(self.total(asset), locked.get(asset, ZERO)),
            )
            for asset in assets
        }
