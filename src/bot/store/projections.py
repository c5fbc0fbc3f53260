"""Projection effects of ledger events (ADR 0001): one function per event type.

`apply` is the only code that writes projection tables. The unit of work calls it live and
`verify` calls it to rebuild the projections from the log, so both always agree on semantics.
Every function returns False when the event is an idempotent duplicate (its natural key already
exists) and then changes nothing.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from decimal import Context, localcontext

from bot.domain.events import EventType
from bot.domain.money import canonical
from bot.domain.order_lifecycle import transition_allowed
from bot.domain.orders import OrderStatus
from bot.store import event_log, state_patch
from bot.store.errors import StoreError
from bot.store.fill_projection import adopt_orphan_fills, apply_fill, set_balance
from bot.store.foreign_projection import foreign_order_gone, foreign_order_seen
from bot.store.payloads import Fields, Payload, canonicalise, dumps, loads

# Pinned so live and verify compute the same digits whatever the caller's decimal context is.
ARITHMETIC = Context(prec=60)


def apply(conn: sqlite3.Connection, event_type: EventType | str, payload: Payload) -> bool:
    """Apply one event with a canonical payload to the projections; False if it is a duplicate.

    Raises StoreError for an unknown event type, a malformed payload, or a status event for an
    order the ledger does not have.
    """
    try:
        kind = EventType(event_type)
    except ValueError as e:
        raise StoreError(f"unknown event type {event_type!r}") from e
    fields = Fields(kind.value, payload)
    with localcontext(ARITHMETIC):
        return _HANDLERS[kind](conn, fields)


def _balances_seeded(conn: sqlite3.Connection, fields: Fields) -> bool:
    # Once per ledger: the opening balances are only ever set by the first seed.
    if event_log.has_type(conn, EventType.BALANCES_SEEDED.value):
        return False
    for asset, total in fields.decimal_mapping("balances").items():
        set_balance(conn, asset, total)
    return True


def _cycle_started(conn: sqlite3.Connection, fields: Fields) -> bool:
    cursor = conn.execute(
        "INSERT INTO cycles (cycle_id, stage, mode, started_ms, status) VALUES (?, ?, ?, ?, 'running')"
        " ON CONFLICT (cycle_id) DO NOTHING",
        (fields.integer("cycle_id"), fields.text("stage"), fields.text("mode"), fields.integer("ts_ms")),
    )
    return cursor.rowcount > 0


def _cycle_completed(conn: sqlite3.Connection, fields: Fields) -> bool:
    # A cycle completes once; a repeated completion is a duplicate and changes nothing.
    values = (
        fields.integer("cycle_id"),
        fields.integer("ts_ms"),
        fields.integer("duration_ms"),
        fields.text("status"),
        dumps(canonicalise(fields.mapping("counters"))),
        fields.optional_integer("max_data_age_ms"),
    )
    cursor = conn.execute(
        "INSERT INTO cycles (cycle_id, completed_ms, duration_ms, status, counters, max_data_age_ms)"
        " VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (cycle_id) DO UPDATE SET"
        " completed_ms = excluded.completed_ms, duration_ms = excluded.duration_ms,"
        " status = excluded.status, counters = excluded.counters,"
        " max_data_age_ms = excluded.max_data_age_ms WHERE completed_ms IS NULL",
        values,
    )
    return cursor.rowcount > 0


def _decision_recorded(conn: sqlite3.Connection, fields: Fields) -> bool:
    values = (
        fields.integer("cycle_id"),
        fields.integer("ts_ms"),
        fields.text("action_key"),
        fields.text("symbol"),
        fields.optional_text("side"),
        fields.text("kind"),
        fields.text("verdict"),
        fields.text("reason_code"),
        fields.text("layer"),
        _optional_canonical(fields, "price"),
        _optional_canonical(fields, "requested_quantity"),
        _optional_canonical(fields, "final_quantity"),
        fields.optional_text("client_order_id"),
        fields.optional_text("rationale") or "",
        dumps(canonicalise(fields.mapping("details"))),
    )
    cursor = conn.execute(
        "INSERT INTO decisions (cycle_id, ts_ms, action_key, symbol, side, kind, verdict, reason_code,"
        " layer, price, requested_quantity, final_quantity, client_order_id, rationale, details)"
        " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (cycle_id, action_key) DO NOTHING",
        values,
    )
    return cursor.rowcount > 0


def _order_submit_requested(conn: sqlite3.Connection, fields: Fields) -> bool:
    ts_ms = fields.integer("ts_ms")
    cursor = conn.execute(
        "INSERT INTO orders (client_order_id, exchange_order_id, cycle_id, symbol, side, price, quantity,"
        " filled_quantity, status, created_ms, updated_ms, last_error)"
        " VALUES (?, NULL, ?, ?, ?, ?, ?, '0', ?, ?, ?, NULL) ON CONFLICT (client_order_id) DO NOTHING",
        (
            fields.text("client_order_id"),
            fields.integer("cycle_id"),
            fields.text("symbol"),
            fields.text("side"),
            canonical(fields.decimal("price")),
            canonical(fields.decimal("quantity")),
            OrderStatus.PENDING_SUBMIT.value,
            ts_ms,
            ts_ms,
        ),
    )
    return cursor.rowcount > 0


def _order_accepted(conn: sqlite3.Connection, fields: Fields) -> bool:
    # Never a downgrade: the table lets only a pending, uncertain or unknown order become open.
    _set_status(conn, fields, OrderStatus.OPEN)
    conn.execute(
        "UPDATE orders SET exchange_order_id = COALESCE(exchange_order_id, ?) WHERE client_order_id = ?",
        (fields.text("exchange_order_id"), fields.text("client_order_id")),
    )
    adopt_orphan_fills(conn, fields.text("client_order_id"), fields.text("exchange_order_id"))
    return True


def _order_rejected(conn: sqlite3.Connection, fields: Fields) -> bool:
    error = f"{fields.raw('code')}: {fields.text('message')}"
    _set_status(conn, fields, OrderStatus.REJECTED, last_error=error)
    return True


def _status_event(
    status: OrderStatus, message_key: str | None
) -> Callable[[sqlite3.Connection, Fields], bool]:
    def handler(conn: sqlite3.Connection, fields: Fields) -> bool:
        error = fields.optional_text(message_key) if message_key else None
        _set_status(conn, fields, status, last_error=error)
        return True

    return handler


def _set_status(
    conn: sqlite3.Connection,
    fields: Fields,
    status: OrderStatus,
    *,
    last_error: str | None = None,
) -> None:
    """Move an order to `status` if the order lifecycle table (`bot.domain.order_lifecycle`)
    allows it from the order's current status; otherwise change nothing.

    Events report what the exchange said at some moment and may arrive late or twice: a cancel
    confirmed after the fills completed the order, an acceptance after it was canceled. The
    status already reached stands; the event stays in the log as what was reported.
    """
    client_order_id = fields.text("client_order_id")
    row = conn.execute("SELECT status FROM orders WHERE client_order_id = ?", (client_order_id,)).fetchone()
    if row is None:
        raise StoreError(f"{fields.event_type}: no order {client_order_id!r} in the ledger")
    if not transition_allowed(OrderStatus(row[0]), status):
        return
    conn.execute(
        "UPDATE orders SET status = ?, updated_ms = ?, last_error = COALESCE(?, last_error)"
        " WHERE client_order_id = ?",
        (status.value, fields.integer("ts_ms"), last_error, client_order_id),
    )


def _state_changed(conn: sqlite3.Connection, fields: Fields) -> bool:
    conn.execute(
        "INSERT INTO state (key, value, updated_ms) VALUES (?, ?, ?) ON CONFLICT (key) DO UPDATE SET"
        " value = excluded.value, updated_ms = excluded.updated_ms",
        (fields.text("key"), fields.text("value"), fields.integer("ts_ms")),
    )
    return True


def _state_patched(conn: sqlite3.Connection, fields: Fields) -> bool:
    key = fields.text("key")
    row = conn.execute("SELECT value FROM state WHERE key = ?", (key,)).fetchone()
    if row is None:
        raise StoreError(f"{fields.event_type}: no state {key!r} to patch")
    try:
        value = state_patch.apply(loads(str(row[0])), fields.raw("patch"))
    except ValueError as e:
        raise StoreError(f"{fields.event_type} {key!r}: {e}") from e
    if not isinstance(value, dict):
        raise StoreError(f"{fields.event_type} {key!r}: a state value must stay a JSON object")
    _put_state(conn, key, dumps(value), fields.integer("ts_ms"))
    return True


def _put_state(conn: sqlite3.Connection, key: str, value: str, ts_ms: int) -> None:
    conn.execute(
        "INSERT INTO state (key, value, updated_ms) VALUES (?, ?, ?) ON CONFLICT (key) DO UPDATE SET"
        " value = excluded.value, updated_ms = excluded.updated_ms",
        (key, value, ts_ms),
    )


def _risk_mode_changed(conn: sqlite3.Connection, fields: Fields) -> bool:
    # The audit trail is the event itself; the projection keeps each source's current mode.
    _put_state(conn, f"risk_mode.{fields.text('source')}", fields.text("to_mode"), fields.integer("ts_ms"))
    return True


def _kill_switch_changed(conn: sqlite3.Connection, fields: Fields) -> bool:
    _put_state(conn, "kill_switch", dumps(canonicalise(fields.mapping("switch"))), fields.integer("ts_ms"))
    return True


def _universe_changed(conn: sqlite3.Connection, fields: Fields) -> bool:
    members = fields.raw("members")
    _put_state(conn, "universe.members", dumps(canonicalise({"members": members})), fields.integer("ts_ms"))
    return True


def _ledger_checked(conn: sqlite3.Connection, fields: Fields) -> bool:
    # A checkpoint changes no projection: it records what they were (bot.store.integrity).
    fields.integer("through_seq")
    fields.mapping("snapshot")
    return True


BALANCE_DRIFT_KEY = "reconcile.balance_drift"


def _balance_drift_changed(conn: sqlite3.Connection, fields: Fields) -> bool:
    # The freeze and the assets beyond tolerance when it began; an empty mapping once it cleared.
    frozen = fields.raw("frozen")
    if not isinstance(frozen, bool):
        raise fields.error("frozen", "true or false")
    drift = {asset: canonical(value) for asset, value in fields.decimal_mapping("drift").items()}
    value = dumps(canonicalise({"frozen": frozen, "drift": drift, "since_ms": fields.integer("ts_ms")}))
    _put_state(conn, BALANCE_DRIFT_KEY, value, fields.integer("ts_ms"))
    return True


def _optional_canonical(fields: Fields, key: str) -> str | None:
    value = fields.optional_decimal(key)
    return None if value is None else canonical(value)


_HANDLERS: dict[EventType, Callable[[sqlite3.Connection, Fields], bool]] = {
    EventType.BALANCES_SEEDED: _balances_seeded,
    EventType.CYCLE_STARTED: _cycle_started,
    EventType.CYCLE_COMPLETED: _cycle_completed,
    EventType.DECISION_RECORDED: _decision_recorded,
    EventType.ORDER_SUBMIT_REQUESTED: _order_submit_requested,
    EventType.ORDER_ACCEPTED: _order_accepted,
    EventType.ORDER_REJECTED: _order_rejected,
    EventType.ORDER_SUBMIT_UNCERTAIN: _status_event(OrderStatus.UNCERTAIN, "message"),
    EventType.ORDER_MARKED_UNKNOWN: _status_event(OrderStatus.UNKNOWN, "message"),
    EventType.ORDER_CANCEL_REQUESTED: _status_event(OrderStatus.CANCEL_REQUESTED, None),
    EventType.ORDER_CANCELED: _status_event(OrderStatus.CANCELED, None),
    EventType.ORDER_FILLED: apply_fill,
    EventType.STATE_CHANGED: _state_changed,
    EventType.STATE_PATCHED: _state_patched,
    EventType.RISK_MODE_CHANGED: _risk_mode_changed,
    EventType.KILL_SWITCH_CHANGED: _kill_switch_changed,
    EventType.UNIVERSE_CHANGED: _universe_changed,
    EventType.ORDER_MISSING_ON_EXCHANGE: _status_event(OrderStatus.UNCERTAIN, "message"),
    EventType.FOREIGN_ORDER_SEEN: foreign_order_seen,
    EventType.FOREIGN_ORDER_GONE: foreign_order_gone,
    EventType.BALANCE_DRIFT_CHANGED: _balance_drift_changed,
    EventType.LEDGER_CHECKED: _ledger_checked,
}
