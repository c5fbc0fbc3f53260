"""Projections of ForeignOrderSeen / ForeignOrderGone: the `foreign_orders` table."""

from __future__ import annotations

import sqlite3

from bot.domain.money import canonical
from bot.store.ledger_events import ForeignOrderGone, ForeignOrderSeen


def foreign_order_seen(conn: sqlite3.Connection, e: ForeignOrderSeen) -> bool:
    """Record an open foreign order; False when it is already recorded as open.

    An order seen again after it was recorded gone (an exchange that briefly did not list it)
    is open again, from the new sighting.
    """
    cursor = conn.execute(
        "INSERT INTO foreign_orders (exchange_order_id, client_order_id, symbol, side, price, quantity,"
        " seen_ms, gone_ms) VALUES (?, ?, ?, ?, ?, ?, ?, NULL) ON CONFLICT (exchange_order_id) DO UPDATE"
        " SET seen_ms = excluded.seen_ms, gone_ms = NULL WHERE foreign_orders.gone_ms IS NOT NULL",
        (
            e.exchange_order_id,
            e.client_order_id,
            e.symbol,
            e.side.value,
            canonical(e.price),
            canonical(e.quantity),
            e.ts_ms,
        ),
    )
    return cursor.rowcount > 0


def foreign_order_gone(conn: sqlite3.Connection, e: ForeignOrderGone) -> bool:
    """Mark an open foreign order gone; False when none is open under that id."""
    cursor = conn.execute(
        "UPDATE foreign_orders SET gone_ms = ? WHERE exchange_order_id = ? AND gone_ms IS NULL",
        (e.ts_ms, e.exchange_order_id),
    )
    return cursor.rowcount > 0
