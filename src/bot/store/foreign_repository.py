"""Read side of the `foreign_orders` projection (bot.store.foreign_projection writes it)."""

from __future__ import annotations

import sqlite3
from decimal import Decimal

from bot.domain.foreign_orders import ForeignOrder
from bot.domain.orders import Side

_COLUMNS = "exchange_order_id, client_order_id, symbol, side, price, quantity, seen_ms"


class ForeignOrderRepository:
    def __init__(self, conn: sqlite3.Connection) -> None:
        self._conn = conn

    def open(self) -> list[ForeignOrder]:
        """Foreign orders the exchange listed as open at the last reconcile, oldest first."""
        rows = self._conn.execute(
            f"SELECT {_COLUMNS} FROM foreign_orders WHERE gone_ms IS NULL ORDER BY seen_ms, exchange_order_id"
        )
        return [_foreign(row) for row in rows]


def _foreign(row: tuple[object, ...]) -> ForeignOrder:
    exchange_order_id, client_order_id, symbol, side, price, quantity, seen_ms = row
    return ForeignOrder(
        exchange_order_id=str(exchange_order_id),
        client_order_id=None if client_order_id is None else str(client_order_id),
        symbol=str(symbol),
        side=Side(str(side)),
        price=Decimal(str(price)),
        quantity=Decimal(str(quantity)),
        seen_ms=int(str(seen_ms)),
    )
