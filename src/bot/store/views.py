"""The operator's views of a ledger (`bot ledger show --view ...`), so that no runbook needs raw SQL:
its fills, its decisions counted by verdict and reason code, its risk-mode history and its orders
of unknown or uncertain outcome. Each is a list of plain rows (JSON-ready: Decimals as the exact
strings the ledger holds, times in epoch ms), newest first where order matters.
"""

from __future__ import annotations

from collections.abc import Callable

from bot.domain.events import EventType
from bot.domain.orders import OrderStatus
from bot.store.db import Database
from bot.store.payloads import loads

Row = dict[str, object]
VIEWS = ("fills", "decisions", "modes", "unknown")
DEFAULT_LIMIT = 50


def fills(database: Database, limit: int = DEFAULT_LIMIT) -> list[Row]:
    cursor = database.connection.execute(
        "SELECT ts_ms, trade_id, client_order_id, symbol, side, price, quantity, fee, tax, fee_asset"
        " FROM fills ORDER BY ts_ms DESC, trade_id DESC LIMIT ?",
        (limit,),
    )
    names = (
        "ts_ms",
        "trade_id",
        "client_order_id",
        "symbol",
        "side",
        "price",
        "quantity",
        "fee",
        "tax",
        "fee_asset",
    )
    return [dict(zip(names, row, strict=True)) for row in cursor]


def decisions(database: Database, limit: int = DEFAULT_LIMIT) -> list[Row]:
    """Decisions counted by verdict, reason code and layer, the most frequent first."""
    cursor = database.connection.execute(
        "SELECT verdict, reason_code, layer, COUNT(*), MAX(cycle_id) FROM decisions"
        " GROUP BY verdict, reason_code, layer ORDER BY COUNT(*) DESC, verdict, reason_code LIMIT ?",
        (limit,),
    )
    names = ("verdict", "reason_code", "layer", "count", "last_cycle_id")
    return [dict(zip(names, row, strict=True)) for row in cursor]


def modes(database: Database, limit: int = DEFAULT_LIMIT) -> list[Row]:
    """Risk-mode transitions (stage 4/7), newest first, each with its causes."""
    cursor = database.connection.execute(
        "SELECT payload FROM events WHERE type = ? ORDER BY seq DESC LIMIT ?",
        (EventType.RISK_MODE_CHANGED.value, limit),
    )
    rows: list[Row] = []
    for (text,) in cursor:
        payload = loads(str(text))
        rows.append(
            {
                key: payload.get(key)
                for key in ("ts_ms", "cycle_id", "source", "from_mode", "to_mode", "causes")
            }
        )
    return rows


def unknown(database: Database, limit: int = DEFAULT_LIMIT) -> list[Row]:
    """Orders whose outcome is unknown (escalated) or uncertain (being looked up)."""
    cursor = database.connection.execute(
        "SELECT client_order_id, exchange_order_id, symbol, side, price, quantity, status, created_ms,"
        " updated_ms, last_error FROM orders WHERE status IN (?, ?) ORDER BY created_ms DESC LIMIT ?",
        (OrderStatus.UNKNOWN.value, OrderStatus.UNCERTAIN.value, limit),
    )
    names = ("client_order_id", "exchange_order_id", "symbol", "side", "price", "quantity", "status",
             "created_ms", "updated_ms", "last_error")  # fmt: skip
    return [dict(zip(names, row, strict=True)) for row in cursor]


VIEW_FUNCTIONS: dict[str, Callable[[Database, int], list[Row]]] = {
    "fills": fills,
    "decisions": decisions,
    "modes": modes,
    "unknown": unknown,
}


def valuations(database: Database) -> list[tuple[int, int, dict[str, object]]]:
    """Every recorded portfolio valuation (stages 4 and 7), oldest first: (cycle id, the time it
    valued at, the record: equity, marks, realised PnL, ...)."""
    from bot.store.ledger_events import StateChanged, decode

    cursor = database.connection.execute(
        'SELECT payload FROM events WHERE type = ? AND payload LIKE \'%"key":"portfolio.valuation"%\''
        " ORDER BY seq",
        (EventType.STATE_CHANGED.value,),
    )
    found: list[tuple[int, int, dict[str, object]]] = []
    for (text,) in cursor:
        event = decode(EventType.STATE_CHANGED.value, loads(str(text)))
        assert isinstance(event, StateChanged)
        document = event.document()
        found.append((int(str(document["cycle_id"])), int(str(document["now_ms"])), dict(document)))
    return found
