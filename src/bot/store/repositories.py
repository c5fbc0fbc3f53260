"""Read-side repositories over one connection. They read; they never write or commit.

Money columns are canonical decimal TEXT and come back as Decimal inside domain types.
"""

from __future__ import annotations

import sqlite3
from decimal import Decimal

from bot.domain.account import Position
from bot.domain.orders import Fill, Order, OrderStatus, Side
from bot.store.foreign_repository import ForeignOrderRepository
from bot.store.run_repositories import (
    CycleRepository,
    DecisionRepository,
    EventRepository,
    StateRepository,
)

_ORDER_COLUMNS = (
    "client_order_id, exchange_order_id, cycle_id, symbol, side, price, quantity, filled_quantity,"
    " status, created_ms, updated_ms"
)
_WORKING = tuple(status.value for status in OrderStatus if status.is_working)


class OrderRepository:
    def __init__(self, conn: sqlite3.Connection) -> None:
        self._conn = conn

    def get(self, client_order_id: str) -> Order | None:
        row = self._conn.execute(
            f"SELECT {_ORDER_COLUMNS} FROM orders WHERE client_order_id = ?", (client_order_id,)
        ).fetchone()
        return _order(row) if row else None

    def working(self, symbol: str | None = None) -> list[Order]:
        """Orders in a non-terminal status (they count against caps and may still fill)."""
        marks = ", ".join("?" * len(_WORKING))
        sql = f"SELECT {_ORDER_COLUMNS} FROM orders WHERE status IN ({marks})"
        params: tuple[str, ...] = _WORKING
        if symbol is not None:
            sql, params = sql + " AND symbol = ?", (*params, symbol)
        return self._select(sql + " ORDER BY created_ms, client_order_id", params)

    def by_status(self, status: OrderStatus) -> list[Order]:
        return self._select(
            f"SELECT {_ORDER_COLUMNS} FROM orders WHERE status = ? ORDER BY created_ms, client_order_id",
            (status.value,),
        )

    def by_exchange_id(self, exchange_order_id: str) -> Order | None:
        row = self._conn.execute(
            f"SELECT {_ORDER_COLUMNS} FROM orders WHERE exchange_order_id = ?"
            " ORDER BY client_order_id LIMIT 1",
            (exchange_order_id,),
        ).fetchone()
        return _order(row) if row else None

    def last_created_ms(self, symbol: str, side: Side) -> int | None:
        """When the newest order on (symbol, side) was written ahead: the cooldown clock."""
        row = self._conn.execute(
            "SELECT MAX(created_ms) FROM orders WHERE symbol = ? AND side = ?", (symbol, side.value)
        ).fetchone()
        return int(row[0]) if row and row[0] is not None else None

    def all(self) -> list[Order]:
        return self._select(f"SELECT {_ORDER_COLUMNS} FROM orders ORDER BY created_ms, client_order_id", ())

    def count_by_status(self) -> dict[OrderStatus, int]:
        rows = self._conn.execute("SELECT status, COUNT(*) FROM orders GROUP BY status ORDER BY status")
        return {OrderStatus(status): int(n) for status, n in rows}

    def _select(self, sql: str, params: tuple[str, ...]) -> list[Order]:
        return [_order(row) for row in self._conn.execute(sql, params)]


_FILL_COLUMNS = (
    "trade_id, exchange_order_id, client_order_id, symbol, side, price, quantity, fee, tax, fee_asset, ts_ms"
)


class FillRepository:
    def __init__(self, conn: sqlite3.Connection) -> None:
        self._conn = conn

    def count(self) -> int:
        return int(self._conn.execute("SELECT COUNT(*) FROM fills").fetchone()[0])

    def all(self) -> list[Fill]:
        rows = self._conn.execute(f"SELECT {_FILL_COLUMNS} FROM fills ORDER BY ts_ms, trade_id")
        return [_fill(row) for row in rows]

    def recorded_after(self, position: int) -> tuple[list[Fill], int]:
        """Fills recorded after `position` (0: all), in recording order, and the position to
        pass next time. The ledger is append-only, so every fill is returned exactly once."""
        rows = self._conn.execute(
            f"SELECT rowid, {_FILL_COLUMNS} FROM fills WHERE rowid > ? ORDER BY rowid", (position,)
        ).fetchall()
        if not rows:
            return [], position
        return [_fill(row[1:]) for row in rows], int(rows[-1][0])


class BalanceRepository:
    def __init__(self, conn: sqlite3.Connection) -> None:
        self._conn = conn

    def all(self) -> dict[str, Decimal]:
        rows = self._conn.execute("SELECT asset, total FROM balances ORDER BY asset")
        return {asset: Decimal(total) for asset, total in rows}


class PositionRepository:
    def __init__(self, conn: sqlite3.Connection) -> None:
        self._conn = conn

    def all(self) -> dict[str, Position]:
        rows = self._conn.execute(
            "SELECT symbol, quantity, average_cost, realized_pnl, fees_paid FROM positions ORDER BY symbol"
        )
        return {
            symbol: Position(
                symbol=symbol,
                quantity=Decimal(quantity),
                average_cost=Decimal(average_cost),
                realized_pnl=Decimal(realized_pnl),
                fees_paid=Decimal(fees_paid),
            )
            for symbol, quantity, average_cost, realized_pnl, fees_paid in rows
        }

    def get(self, symbol: str) -> Position | None:
        return self.all().get(symbol)


class Repositories:
    """Every repository over one connection; the unit of work and the database both offer these."""

    def __init__(self, conn: sqlite3.Connection) -> None:
        self.orders = OrderRepository(conn)
        self.fills = FillRepository(conn)
        self.balances = BalanceRepository(conn)
        self.positions = PositionRepository(conn)
        self.cycles = CycleRepository(conn)
        self.decisions = DecisionRepository(conn)
        self.state = StateRepository(conn)
        self.events = EventRepository(conn)
        self.foreign_orders = ForeignOrderRepository(conn)


def _order(row: tuple[object, ...]) -> Order:
    (
        client_order_id,
        exchange_order_id,
        cycle_id,
        symbol,
        side,
        price,
        quantity,
        filled,
        status,
        created,
        updated,
    ) = row
    return Order(
        client_order_id=str(client_order_id),
        exchange_order_id=None if exchange_order_id is None else str(exchange_order_id),
        cycle_id=int(str(cycle_id)),
        symbol=str(symbol),
        side=Side(str(side)),
        price=Decimal(str(price)),
        quantity=Decimal(str(quantity)),
        filled_quantity=Decimal(str(filled)),
        status=OrderStatus(str(status)),
        created_ms=int(str(created)),
        updated_ms=int(str(updated)),
    )


def _fill(row: tuple[object, ...]) -> Fill:
    (trade_id, exchange_order_id, client_order_id, symbol, side,
     price, quantity, fee, tax, fee_asset, ts_ms) = row  # fmt: skip
    return Fill(
        trade_id=str(trade_id),
        exchange_order_id=str(exchange_order_id),
        client_order_id=None if client_order_id is None else str(client_order_id),
        symbol=str(symbol),
        side=Side(str(side)),
        price=Decimal(str(price)),
        quantity=Decimal(str(quantity)),
        fee=Decimal(str(fee)),
        tax=Decimal(str(tax)),
        fee_asset=str(fee_asset),
        ts_ms=int(str(ts_ms)),
    )
