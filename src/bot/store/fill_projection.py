"""The OrderFilled projection: fills, the order's filled quantity, balances and the position."""

from __future__ import annotations

import sqlite3
from decimal import Decimal

from bot.domain.account import Position, balance_deltas
from bot.domain.money import ZERO, canonical
from bot.domain.order_lifecycle import fill_status, status_after
from bot.domain.orders import Fill, OrderStatus


def apply_fill(conn: sqlite3.Connection, fill: Fill, *, base: str, quote: str) -> bool:
    """Record a fill once (by trade id); a repeated trade id returns False and changes nothing.

    A fill for an order the ledger does not know still moves balances and the position.
    """
    cursor = conn.execute(
        "INSERT INTO fills (trade_id, client_order_id, exchange_order_id, symbol, side, price, quantity,"
        " fee, tax, fee_asset, ts_ms) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
        " ON CONFLICT (trade_id) DO NOTHING",
        (
            fill.trade_id,
            fill.client_order_id,
            fill.exchange_order_id,
            fill.symbol,
            fill.side.value,
            canonical(fill.price),
            canonical(fill.quantity),
            canonical(fill.fee),
            canonical(fill.tax),
            fill.fee_asset,
            fill.ts_ms,
        ),
    )
    if cursor.rowcount == 0:
        return False
    _advance_order(conn, fill)
    for asset, delta in balance_deltas(fill, base, quote).items():
        set_balance(conn, asset, _balance(conn, asset) + delta)
    _store_position(conn, _position(conn, fill.symbol).apply_fill(fill))
    return True


def set_balance(conn: sqlite3.Connection, asset: str, total: Decimal) -> None:
    conn.execute(
        "INSERT INTO balances (asset, total) VALUES (?, ?)"
        " ON CONFLICT (asset) DO UPDATE SET total = excluded.total",
        (asset, canonical(total)),
    )


def _advance_order(conn: sqlite3.Connection, fill: Fill) -> None:
    """Add the fill to its order (by client id, else by exchange id, then linking the fill to it);
    no order row, no change."""
    if fill.client_order_id is not None:
        key_column, key = "client_order_id", fill.client_order_id
    else:
        key_column, key = "exchange_order_id", fill.exchange_order_id
    row = conn.execute(
        f"SELECT client_order_id, quantity, filled_quantity, status FROM orders WHERE {key_column} = ?"
        " ORDER BY client_order_id LIMIT 1",
        (key,),
    ).fetchone()
    if row is None:
        return
    client_order_id, quantity, filled_quantity, status = row
    filled = Decimal(filled_quantity) + fill.quantity
    # A late fill on a terminal order counts in its quantity; its status follows the table.
    new_status = status_after(OrderStatus(status), fill_status(filled, Decimal(quantity)))
    conn.execute(
        "UPDATE orders SET filled_quantity = ?, status = ?, updated_ms = ?,"
        " exchange_order_id = COALESCE(exchange_order_id, ?) WHERE client_order_id = ?",
        (canonical(filled), new_status.value, fill.ts_ms, fill.exchange_order_id, client_order_id),
    )
    if fill.client_order_id is None:
        # Counted on this order now, so linked to it now: a later OrderAccepted must not adopt it
        # as an orphan and count it a second time.
        conn.execute(
            "UPDATE fills SET client_order_id = ? WHERE trade_id = ?", (client_order_id, fill.trade_id)
        )


def adopt_orphan_fills(conn: sqlite3.Connection, client_order_id: str, exchange_order_id: str) -> None:
    """Link fills recorded before their order's exchange id was known, and count them on it.

    A fill can be ingested while its order is still uncertain (the trade report may carry no
    client id); once a lookup names the order's exchange id, those fills belong to it.
    """
    rows = conn.execute(
        "SELECT quantity FROM fills WHERE exchange_order_id = ? AND client_order_id IS NULL",
        (exchange_order_id,),
    ).fetchall()
    if not rows:
        return
    conn.execute(
        "UPDATE fills SET client_order_id = ? WHERE exchange_order_id = ? AND client_order_id IS NULL",
        (client_order_id, exchange_order_id),
    )
    order = conn.execute(
        "SELECT quantity, filled_quantity, status FROM orders WHERE client_order_id = ?", (client_order_id,)
    ).fetchone()
    quantity, filled_quantity, status = order
    filled = Decimal(filled_quantity) + sum((Decimal(q) for (q,) in rows), ZERO)  # apply() sets precision
    new_status = status_after(OrderStatus(status), fill_status(filled, Decimal(quantity)))
    conn.execute(
        "UPDATE orders SET filled_quantity = ?, status = ? WHERE client_order_id = ?",
        (canonical(filled), new_status.value, client_order_id),
    )


def _balance(conn: sqlite3.Connection, asset: str) -> Decimal:
    row = conn.execute("SELECT total FROM balances WHERE asset = ?", (asset,)).fetchone()
    return Decimal(row[0]) if row else ZERO


def _position(conn: sqlite3.Connection, symbol: str) -> Position:
    row = conn.execute(
        "SELECT quantity, average_cost, realized_pnl, fees_paid FROM positions WHERE symbol = ?", (symbol,)
    ).fetchone()
    if row is None:
        return Position(symbol=symbol)
    quantity, average_cost, realized_pnl, fees_paid = (Decimal(value) for value in row)
    return Position(
        symbol=symbol,
        quantity=quantity,
        average_cost=average_cost,
        realized_pnl=realized_pnl,
        fees_paid=fees_paid,
    )


def _store_position(conn: sqlite3.Connection, position: Position) -> None:
    conn.execute(
        "INSERT INTO positions (symbol, quantity, average_cost, realized_pnl, fees_paid)"
        " VALUES (?, ?, ?, ?, ?)"
        " ON CONFLICT (symbol) DO UPDATE SET quantity = excluded.quantity,"
        " average_cost = excluded.average_cost, realized_pnl = excluded.realized_pnl,"
        " fees_paid = excluded.fees_paid",
        (
            position.symbol,
            canonical(position.quantity),
            canonical(position.average_cost),
            canonical(position.realized_pnl),
            canonical(position.fees_paid),
        ),
    )
