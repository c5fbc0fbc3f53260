"""Foreign open orders: on the account, but placed by hand or by another program.

Pure. `diff_foreign` says which of the exchange's open orders are newly seen foreign orders and
which recorded ones are gone; `foreign_changes` turns that into the events to record
(`ForeignOrderSeen` / `ForeignOrderGone`) and the log lines to emit, once each, when it happens.
The ledger view then counts the open ones against the caps.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence

from bot.domain.foreign_orders import ForeignOrder
from bot.domain.orders import ExchangeOrder
from bot.execution.notices import Notice
from bot.execution.reconcile_events import LedgerEvent, foreign_order_gone, foreign_order_seen


def diff_foreign(
    open_on_exchange: Sequence[ExchangeOrder],
    is_ledgers: Callable[[ExchangeOrder], bool],
    recorded_open: Sequence[ForeignOrder],
) -> tuple[list[ExchangeOrder], list[ForeignOrder]]:
    """(foreign orders open now but not recorded, once each; recorded ones no longer open)."""
    recorded = {f.exchange_order_id for f in recorded_open}
    foreign = [o for o in open_on_exchange if not is_ledgers(o)]
    seen: dict[str, ExchangeOrder] = {}
    for order in foreign:
        if order.exchange_order_id not in recorded:
            seen.setdefault(order.exchange_order_id, order)
    open_ids = {o.exchange_order_id for o in foreign}
    gone = [f for f in recorded_open if f.exchange_order_id not in open_ids]
    return list(seen.values()), gone


def foreign_changes(
    open_on_exchange: Sequence[ExchangeOrder],
    is_ledgers: Callable[[ExchangeOrder], bool],
    recorded_open: Sequence[ForeignOrder],
    now_ms: int,
) -> tuple[list[LedgerEvent], list[Notice]]:
    """The events recording what changed since the last reconcile, and their log lines."""
    seen, gone = diff_foreign(open_on_exchange, is_ledgers, recorded_open)
    events: list[LedgerEvent] = [foreign_order_seen(o, now_ms) for o in seen]
    events += [foreign_order_gone(f, now_ms) for f in gone]
    notices = [
        Notice(
            logging.WARNING,
            "open order this ledger did not place (by hand or another program): counted against caps",
            _fields(o.exchange_order_id, o.client_order_id, o.symbol),
        )
        for o in seen
    ] + [
        Notice(
            logging.INFO,
            "foreign order no longer open",
            _fields(f.exchange_order_id, f.client_order_id, f.symbol),
        )
        for f in gone
    ]
    return events, notices


def _fields(exchange_order_id: str, client_order_id: str | None, symbol: str) -> dict[str, object]:
    return {"exchange_order_id": exchange_order_id, "client_order_id": client_order_id, "symbol": symbol}
