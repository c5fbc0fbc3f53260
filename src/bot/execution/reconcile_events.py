"""The ledger events reconciliation records, built in one place per event type.

Each function returns a typed ledger event (`bot.store.ledger_events`) exactly as the unit of
work records it (docs/adr/0001-ledger-events.md); the pure core (`bot.execution.reconcile_core`)
returns them and the shell records them.
"""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal

from bot.domain.foreign_orders import ForeignOrder
from bot.domain.orders import ExchangeOrder, Fill, Order
from bot.domain.symbols import PairRules
from bot.store.ledger_events import (
    BalanceDriftChanged,
    ForeignOrderGone,
    ForeignOrderSeen,
    LedgerEvent,
    OrderCanceled,
    OrderFilled,
    OrderMissingOnExchange,
    StateChanged,
)

__all__ = ["LedgerEvent"]

FILL_CURSOR_KEY = "fills.cursor_ms"  # the newest trade time read; re-read from a lookback before it
FILL_FLOOR_KEY = "fills.floor_ms"  # when the ledger opened; older foreign fills are in its balances


def order_filled(fill: Fill, rules: PairRules, client_order_id: str | None) -> OrderFilled:
    """A trade of `client_order_id`'s order (None: an order this ledger did not place)."""
    return OrderFilled.of(fill, base=rules.base, quote=rules.quote, client_order_id=client_order_id)


def order_canceled(client_order_id: str, ts_ms: int) -> OrderCanceled:
    return OrderCanceled(client_order_id=client_order_id, ts_ms=ts_ms)


def order_missing_on_exchange(order: Order, ts_ms: int) -> OrderMissingOnExchange:
    message = f"exchange order {order.exchange_order_id} is neither open nor found by lookup"
    return OrderMissingOnExchange(client_order_id=order.client_order_id, message=message, ts_ms=ts_ms)


def fill_cursor_moved(cursor_ms: int, ts_ms: int) -> StateChanged:
    return StateChanged(key=FILL_CURSOR_KEY, value=str(cursor_ms), ts_ms=ts_ms)


def foreign_order_seen(order: ExchangeOrder, ts_ms: int) -> ForeignOrderSeen:
    return ForeignOrderSeen(
        exchange_order_id=order.exchange_order_id,
        client_order_id=order.client_order_id,
        symbol=order.symbol,
        side=order.side,
        price=order.price,
        quantity=order.quantity,
        ts_ms=ts_ms,
    )


def foreign_order_gone(foreign: ForeignOrder, ts_ms: int) -> ForeignOrderGone:
    return ForeignOrderGone(exchange_order_id=foreign.exchange_order_id, ts_ms=ts_ms)


def balance_drift_changed(*, frozen: bool, drift: Mapping[str, Decimal], ts_ms: int) -> BalanceDriftChanged:
    """The drift freeze starts (`frozen`) or clears; `drift`: the assets beyond tolerance, by asset."""
    return BalanceDriftChanged(frozen=frozen, drift=dict(drift), ts_ms=ts_ms)
