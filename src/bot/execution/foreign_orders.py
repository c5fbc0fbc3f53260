"""Foreign open orders: on the account, but placed by hand or by another program.

`diff_foreign` is pure: which of the exchange's open orders are newly seen foreign orders, and
which recorded ones are gone. `record_foreign` records both as events (so each is logged once,
when it happens) and the ledger view then counts the open ones against the caps.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence

from bot.domain.events import EventType
from bot.domain.foreign_orders import ForeignOrder
from bot.domain.orders import ExchangeOrder
from bot.execution.ledger_behind import ledger_has
from bot.store.unit_of_work import UnitOfWork

log = logging.getLogger(__name__)


def diff_foreign(
    open_on_exchange: Sequence[ExchangeOrder],
    is_ledgers: Callable[[ExchangeOrder], bool],
    recorded_open: Sequence[ForeignOrder],
) -> tuple[list[ExchangeOrder], list[ForeignOrder]]:
    """(foreign orders open now but not recorded, recorded ones no longer open)."""
    recorded = {f.exchange_order_id for f in recorded_open}
    foreign = [o for o in open_on_exchange if not is_ledgers(o)]
    open_ids = {o.exchange_order_id for o in foreign}
    seen = [o for o in foreign if o.exchange_order_id not in recorded]
    gone = [f for f in recorded_open if f.exchange_order_id not in open_ids]
    return seen, gone


def record_foreign(
    uow: UnitOfWork, open_on_exchange: Sequence[ExchangeOrder], now_ms: int
) -> tuple[list[ExchangeOrder], list[ForeignOrder]]:
    """Record ForeignOrderSeen / ForeignOrderGone for what changed; returns (seen, gone)."""
    seen, gone = diff_foreign(open_on_exchange, lambda o: ledger_has(uow, o), uow.foreign_orders.open())
    for order in seen:
        uow.record(
            EventType.FOREIGN_ORDER_SEEN,
            {
                "exchange_order_id": order.exchange_order_id,
                "client_order_id": order.client_order_id,
                "symbol": order.symbol,
                "side": order.side.value,
                "price": order.price,
                "quantity": order.quantity,
                "ts_ms": now_ms,
            },
        )
    for foreign in gone:
        uow.record(
            EventType.FOREIGN_ORDER_GONE, {"exchange_order_id": foreign.exchange_order_id, "ts_ms": now_ms}
        )
    return seen, gone


def log_foreign(seen: Sequence[ExchangeOrder], gone: Sequence[ForeignOrder]) -> None:
    for order in seen:
        log.warning(
            "open order this ledger did not place (by hand or another program): counted against caps",
            extra={"fields": _fields(order.exchange_order_id, order.client_order_id, order.symbol)},
        )
    for foreign in gone:
        log.info(
            "foreign order no longer open",
            extra={"fields": _fields(foreign.exchange_order_id, foreign.client_order_id, foreign.symbol)},
        )


def _fields(exchange_order_id: str, client_order_id: str | None, symbol: str) -> dict[str, object]:
    return {"exchange_order_id": exchange_order_id, "client_order_id": client_order_id, "symbol": symbol}
