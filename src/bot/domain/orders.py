"""Orders, fills and the commands that create them."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from enum import StrEnum


class Side(StrEnum):
    BUY = "buy"
    SELL = "sell"


class OrderStatus(StrEnum):
    """Ledger order states. Values are stable: they are stored and used as metric labels."""

    PENDING_SUBMIT = "pending_submit"  # written ahead, request not yet known to have arrived
    OPEN = "open"
    PARTIALLY_FILLED = "partially_filled"
    FILLED = "filled"
    CANCEL_REQUESTED = "cancel_requested"
    CANCELED = "canceled"
    REJECTED = "rejected"
    UNCERTAIN = "uncertain"  # the submit may or may not have reached the exchange
    UNKNOWN = "unknown"  # lookups could not find it; escalated, symbol frozen

    @property
    def is_terminal(self) -> bool:
        return self in _TERMINAL

    @property
    def is_working(self) -> bool:
        """Counts against open-order caps and may still fill."""
        return not self.is_terminal


_TERMINAL = frozenset({OrderStatus.FILLED, OrderStatus.CANCELED, OrderStatus.REJECTED})


@dataclass(frozen=True, slots=True, kw_only=True)
class SubmitOrder:
    """Command: place a limit order (GTC; BTCTurk has no other time in force)."""

    client_order_id: str
    symbol: str
    side: Side
    price: Decimal
    quantity: Decimal


@dataclass(frozen=True, slots=True, kw_only=True)
class SubmitAck:
    exchange_order_id: str
    client_order_id: str | None
    ts_ms: int


@dataclass(frozen=True, slots=True, kw_only=True)
class ExchangeOrder:
    """An order as the exchange reports it (open orders, all orders, single order)."""

    exchange_order_id: str
    client_order_id: str | None
    symbol: str
    side: Side
    price: Decimal
    quantity: Decimal
    remaining_quantity: Decimal
    status: OrderStatus  # OPEN, PARTIALLY_FILLED, FILLED or CANCELED
    created_ms: int
    updated_ms: int


@dataclass(frozen=True, slots=True, kw_only=True)
class Fill:
    """One trade of ours. Quantities and fees are positive; `fee` and `tax` are in `fee_asset`."""

    trade_id: str
    exchange_order_id: str
    client_order_id: str | None
    symbol: str
    side: Side
    price: Decimal
    quantity: Decimal
    fee: Decimal
    tax: Decimal
    fee_asset: str
    ts_ms: int


@dataclass(frozen=True, slots=True, kw_only=True)
class Order:
    """An order as the ledger knows it."""

    client_order_id: str
    exchange_order_id: str | None
    cycle_id: int
    symbol: str
    side: Side
    price: Decimal
    quantity: Decimal
    filled_quantity: Decimal
    status: OrderStatus
    created_ms: int
    updated_ms: int

    @property
    def remaining_quantity(self) -> Decimal:
        return self.quantity - self.filled_quantity
