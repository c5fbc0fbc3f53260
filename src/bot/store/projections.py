"""Projection effects of ledger events (ADR 0001): one function per event class.

`apply` is the only code that writes projection tables. The unit of work calls it live and
`verify` calls it to rebuild the projections from the log (after `ledger_events.decode`), so both
always agree on semantics. Every function returns False when the event is an idempotent duplicate
(its natural key already exists) and then changes nothing.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from decimal import Context, Decimal, localcontext
from typing import Any, TypeVar

from bot.domain.events import EventType
from bot.domain.money import canonical
from bot.domain.order_lifecycle import transition_allowed
from bot.domain.orders import OrderStatus
from bot.store import event_log, state_patch
from bot.store import ledger_events as ev
from bot.store.errors import StoreError
from bot.store.fill_projection import adopt_orphan_fills, apply_fill, set_balance
from bot.store.foreign_projection import foreign_order_gone, foreign_order_seen
from bot.store.order_events import OrderNote
from bot.store.payloads import JsonValue, canonicalise, dumps, loads

# Pinned so live and verify compute the same digits whatever the caller's decimal context is.
ARITHMETIC = Context(prec=60)


def apply(conn: sqlite3.Connection, event: ev.LedgerEvent) -> bool:
    """Apply one event to the projections; False if it is a duplicate.

    Raises StoreError for a status event for an order the ledger does not have, a patch that does
    not apply, or a fill with a non-positive quantity or price.
    """
    with localcontext(ARITHMETIC):
        return _HANDLERS[type(event)](conn, event)


def _balances_seeded(conn: sqlite3.Connection, e: ev.BalancesSeeded) -> bool:
    # Once per ledger: the opening balances are only ever set by the first seed.
    if event_log.has_type(conn, EventType.BALANCES_SEEDED.value):
        return False
    for asset, total in e.balances.items():
        set_balance(conn, asset, total)
    return True


def _cycle_started(conn: sqlite3.Connection, e: ev.CycleStarted) -> bool:
    cursor = conn.execute(
        "INSERT INTO cycles (cycle_id, stage, mode, started_ms, status) VALUES (?, ?, ?, ?, 'running')"
        " ON CONFLICT (cycle_id) DO NOTHING",
        (e.cycle_id, e.stage, e.mode, e.ts_ms),
    )
    return cursor.rowcount > 0


def _cycle_completed(conn: sqlite3.Connection, e: ev.CycleCompleted) -> bool:
    # A cycle completes once; a repeated completion is a duplicate and changes nothing.
    values = (
        e.cycle_id,
        e.ts_ms,
        e.duration_ms,
        e.status,
        dumps(canonicalise(e.counters)),
        e.max_data_age_ms,
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


def _decision_recorded(conn: sqlite3.Connection, e: ev.DecisionRecorded) -> bool:
    values = (
        e.cycle_id,
        e.ts_ms,
        e.action_key,
        e.symbol,
        e.side,
        e.kind,
        e.verdict,
        e.reason_code,
        e.layer,
        _optional_canonical(e.price),
        _optional_canonical(e.requested_quantity),
        _optional_canonical(e.final_quantity),
        e.client_order_id,
        e.rationale,
        dumps(canonicalise(e.details)),
    )
    cursor = conn.execute(
        "INSERT INTO decisions (cycle_id, ts_ms, action_key, symbol, side, kind, verdict, reason_code,"
        " layer, price, requested_quantity, final_quantity, client_order_id, rationale, details)"
        " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (cycle_id, action_key) DO NOTHING",
        values,
    )
    return cursor.rowcount > 0


def _order_submit_requested(conn: sqlite3.Connection, e: ev.OrderSubmitRequested) -> bool:
    cursor = conn.execute(
        "INSERT INTO orders (client_order_id, exchange_order_id, cycle_id, symbol, side, price, quantity,"
        " filled_quantity, status, created_ms, updated_ms, last_error)"
        " VALUES (?, NULL, ?, ?, ?, ?, ?, '0', ?, ?, ?, NULL) ON CONFLICT (client_order_id) DO NOTHING",
        (
            e.client_order_id,
            e.cycle_id,
            e.symbol,
            e.side.value,
            canonical(e.price),
            canonical(e.quantity),
            OrderStatus.PENDING_SUBMIT.value,
            e.ts_ms,
            e.ts_ms,
        ),
    )
    return cursor.rowcount > 0


def _order_accepted(conn: sqlite3.Connection, e: ev.OrderAccepted) -> bool:
    # Never a downgrade: the table lets only a pending, uncertain or unknown order become open.
    _set_status(conn, e.TYPE, e.client_order_id, OrderStatus.OPEN, e.ts_ms)
    conn.execute(
        "UPDATE orders SET exchange_order_id = COALESCE(exchange_order_id, ?) WHERE client_order_id = ?",
        (e.exchange_order_id, e.client_order_id),
    )
    adopt_orphan_fills(conn, e.client_order_id, e.exchange_order_id)
    return True


def _order_rejected(conn: sqlite3.Connection, e: ev.OrderRejected) -> bool:
    error = f"{e.code}: {e.message}"
    _set_status(conn, e.TYPE, e.client_order_id, OrderStatus.REJECTED, e.ts_ms, last_error=error)
    return True


def _noted_status(status: OrderStatus) -> Callable[[sqlite3.Connection, OrderNote], bool]:
    def handler(conn: sqlite3.Connection, e: OrderNote) -> bool:
        _set_status(conn, e.TYPE, e.client_order_id, status, e.ts_ms, last_error=e.message)
        return True

    return handler


def _order_cancel_requested(conn: sqlite3.Connection, e: ev.OrderCancelRequested) -> bool:
    _set_status(conn, e.TYPE, e.client_order_id, OrderStatus.CANCEL_REQUESTED, e.ts_ms)
    return True


def _order_canceled(conn: sqlite3.Connection, e: ev.OrderCanceled) -> bool:
    _set_status(conn, e.TYPE, e.client_order_id, OrderStatus.CANCELED, e.ts_ms)
    return True


def _set_status(
    conn: sqlite3.Connection,
    event_type: EventType,
    client_order_id: str,
    status: OrderStatus,
    ts_ms: int,
    *,
    last_error: str | None = None,
) -> None:
    """Move an order to `status` if the order lifecycle table (`bot.domain.order_lifecycle`)
    allows it from the order's current status; otherwise change nothing.

    Events report what the exchange said at some moment and may arrive late or twice: a cancel
    confirmed after the fills completed the order, an acceptance after it was canceled. The
    status already reached stands; the event stays in the log as what was reported.
    """
    row = conn.execute("SELECT status FROM orders WHERE client_order_id = ?", (client_order_id,)).fetchone()
    if row is None:
        raise StoreError(f"{event_type}: no order {client_order_id!r} in the ledger")
    if not transition_allowed(OrderStatus(row[0]), status):
        return
    conn.execute(
        "UPDATE orders SET status = ?, updated_ms = ?, last_error = COALESCE(?, last_error)"
        " WHERE client_order_id = ?",
        (status.value, ts_ms, last_error, client_order_id),
    )


def _state_changed(conn: sqlite3.Connection, e: ev.StateChanged) -> bool:
    _put_state(conn, e.key, e.text(), e.ts_ms)
    return True


def _state_patched(conn: sqlite3.Connection, e: ev.StatePatched) -> bool:
    row = conn.execute("SELECT value FROM state WHERE key = ?", (e.key,)).fetchone()
    if row is None:
        raise StoreError(f"{e.TYPE}: no state {e.key!r} to patch")
    try:
        value = state_patch.apply(loads(str(row[0])), e.patch)
    except ValueError as error:
        raise StoreError(f"{e.TYPE} {e.key!r}: {error}") from error
    if not isinstance(value, dict):
        raise StoreError(f"{e.TYPE} {e.key!r}: a state value must stay a JSON object")
    _put_state(conn, e.key, dumps(value), e.ts_ms)
    return True


def _put_state(conn: sqlite3.Connection, key: str, value: str, ts_ms: int) -> None:
    conn.execute(
        "INSERT INTO state (key, value, updated_ms) VALUES (?, ?, ?) ON CONFLICT (key) DO UPDATE SET"
        " value = excluded.value, updated_ms = excluded.updated_ms",
        (key, value, ts_ms),
    )


def _risk_mode_changed(conn: sqlite3.Connection, e: ev.RiskModeChanged) -> bool:
    # The audit trail is the event itself; the projection keeps each source's current mode.
    _put_state(conn, f"risk_mode.{e.source}", e.to_mode, e.ts_ms)
    return True


def _kill_switch_changed(conn: sqlite3.Connection, e: ev.KillSwitchChanged) -> bool:
    _put_state(conn, "kill_switch", dumps(canonicalise(e.switch)), e.ts_ms)
    return True


def _universe_changed(conn: sqlite3.Connection, e: ev.UniverseChanged) -> bool:
    _put_state(conn, "universe.members", dumps({"members": list(e.members)}), e.ts_ms)
    return True


def _ledger_checked(conn: sqlite3.Connection, e: ev.LedgerChecked) -> bool:
    # A checkpoint changes no projection: it records what they were (bot.store.integrity).
    return True


BALANCE_DRIFT_KEY = "reconcile.balance_drift"


def _balance_drift_changed(conn: sqlite3.Connection, e: ev.BalanceDriftChanged) -> bool:
    # The freeze and the assets beyond tolerance when it began; an empty mapping once it cleared.
    drift: dict[str, JsonValue] = {asset: canonical(value) for asset, value in e.drift.items()}
    value = dumps({"frozen": e.frozen, "drift": drift, "since_ms": e.ts_ms})
    _put_state(conn, BALANCE_DRIFT_KEY, value, e.ts_ms)
    return True


def _order_filled(conn: sqlite3.Connection, e: ev.OrderFilled) -> bool:
    e.check()
    return apply_fill(conn, e.fill, base=e.base, quote=e.quote)


def _optional_canonical(value: Decimal | None) -> str | None:
    return None if value is None else canonical(value)


E = TypeVar("E")
_HANDLERS: dict[type, Callable[[sqlite3.Connection, Any], bool]] = {}


def _on(cls: type[E], handler: Callable[[sqlite3.Connection, E], bool]) -> None:
    _HANDLERS[cls] = handler


_on(ev.BalancesSeeded, _balances_seeded)
_on(ev.CycleStarted, _cycle_started)
_on(ev.CycleCompleted, _cycle_completed)
_on(ev.DecisionRecorded, _decision_recorded)
_on(ev.OrderSubmitRequested, _order_submit_requested)
_on(ev.OrderAccepted, _order_accepted)
_on(ev.OrderRejected, _order_rejected)
_on(ev.OrderSubmitUncertain, _noted_status(OrderStatus.UNCERTAIN))
_on(ev.OrderMarkedUnknown, _noted_status(OrderStatus.UNKNOWN))
_on(ev.OrderMissingOnExchange, _noted_status(OrderStatus.UNCERTAIN))
_on(ev.OrderCancelRequested, _order_cancel_requested)
_on(ev.OrderCanceled, _order_canceled)
_on(ev.OrderFilled, _order_filled)
_on(ev.StateChanged, _state_changed)
_on(ev.StatePatched, _state_patched)
_on(ev.RiskModeChanged, _risk_mode_changed)
_on(ev.KillSwitchChanged, _kill_switch_changed)
_on(ev.UniverseChanged, _universe_changed)
_on(ev.ForeignOrderSeen, foreign_order_seen)
_on(ev.ForeignOrderGone, foreign_order_gone)
_on(ev.BalanceDriftChanged, _balance_drift_changed)
_on(ev.LedgerChecked, _ledger_checked)
