"""Reconciliation as a pure function: (ledger snapshot, exchange reports) -> events to record.

`reconcile` compares what the ledger knows with what the exchange reported and returns what to
record, in order: new fills and the fill cursor, cancels the stream confirmed, orders that left
the open list (canceled, or missing: now uncertain), then foreign open orders seen and gone. It
reads no database, calls no exchange, reads no clock and logs nothing: the log lines come back
as notices, and a ledger behind the exchange comes back as `behind`, with no events at all.

Each step sees the events of the steps before it (an order a new fill completed is not looked
up), exactly as the ledger's projections would apply them (`bot.domain.order_lifecycle`).
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from decimal import Decimal
from enum import StrEnum

from bot.domain.order_lifecycle import fill_status, status_after, transition_allowed
from bot.domain.orders import ExchangeOrder, Fill, Order, OrderStatus
from bot.domain.symbols import PairRules
from bot.execution import reconcile_events as events
from bot.execution.foreign_orders import foreign_changes
from bot.execution.ledger_behind import (
    UnknownToLedger,
    ledger_client_id,
    ledger_has,
    unknown_open_orders,
    unknown_trades,
)
from bot.execution.notices import Notice
from bot.execution.reconcile_events import LedgerEvent
from bot.execution.reconcile_inputs import ExchangeReports, LedgerSnapshotForReconcile, OrderIndex

# Ledger orders the exchange should list as open; one it does not closed somehow.
SETTLEABLE = (OrderStatus.OPEN, OrderStatus.PARTIALLY_FILLED, OrderStatus.CANCEL_REQUESTED)


class CancelSource(StrEnum):
    """Who confirmed a cancel (the observer's reason label)."""

    STREAM = "stream_confirmed"  # the private stream: the order left the book with quantity left
    EXCHANGE = "exchange_confirmed"  # a REST lookup of an order that left the open list


@dataclass(frozen=True, slots=True, kw_only=True)
class ConfirmedCancel:
    order: Order
    source: CancelSource


@dataclass(frozen=True, slots=True, kw_only=True)
class ReconcileOutcome:
    """What to record and report. With `behind` non-empty, nothing else is set: refuse."""

    events: tuple[LedgerEvent, ...] = ()  # to record in one unit of work, in this order
    behind: tuple[UnknownToLedger, ...] = ()  # orders or trades of this bot the ledger lacks
    new_fills: tuple[Fill, ...] = ()  # trades recorded for the first time
    cancels: tuple[ConfirmedCancel, ...] = ()
    escalated: tuple[Order, ...] = ()  # neither open nor found by lookup: now uncertain
    needs_lookup: tuple[Order, ...] = ()  # left the open list, no lookup in the reports: left as is
    notices: tuple[Notice, ...] = ()  # log lines, once each, after the events are committed
    errors: int = 0  # trades for a pair without rules (read again next time)


def ledger_behind(view: LedgerSnapshotForReconcile, reports: ExchangeReports) -> list[UnknownToLedger]:
    """Open orders and trades (since the ledger opened) in this bot's client order id scheme that
    no ledger order accounts for: the ledger lost history, and nothing may be recorded."""
    orders = OrderIndex(view.orders)
    unknown = unknown_open_orders(orders, reports.open_orders or ())
    if reports.trades is not None:
        owners = {fill.trade_id: ledger_client_id(orders, fill) for fill in reports.trades}
        named = {u.client_order_id for u in unknown}
        unknown += [
            u
            for u in unknown_trades(reports.trades, owners, view.fill_floor_ms)
            if u.client_order_id not in named
        ]
    return unknown


def reconcile(
    view: LedgerSnapshotForReconcile,
    reports: ExchangeReports,
    *,
    rules: Mapping[str, PairRules],
    now_ms: int,
) -> ReconcileOutcome:
    """The events that bring the ledger in line with `reports`, stamped `now_ms` (epoch ms).

    Applying the outcome and reconciling the same reports again yields no events. `rules` are
    the pair rules by symbol; a trade of a pair without rules stops the fill step there (counted
    in `errors`, the cursor not moved past it) so that it is read again.
    """
    behind = ledger_behind(view, reports)
    if behind:
        return ReconcileOutcome(behind=tuple(behind))
    step = _Reconciliation(view, now_ms)
    if reports.trades is not None:
        step.ingest(reports.trades, rules)
    # After the fills: a fill can name the exchange id of an order the ledger had none for yet.
    step.confirm_deletions(reports.deletions)
    if reports.open_orders is not None:
        step.settle(reports.open_orders, reports.lookups)
        step.track_foreign(reports.open_orders)
    return step.outcome()


def orders_to_look_up(
    view: LedgerSnapshotForReconcile, reports: ExchangeReports, *, rules: Mapping[str, PairRules]
) -> tuple[Order, ...]:
    """The ledger orders that left the open list and that `reconcile` would settle from a lookup
    `reports` lacks (after the cancels and fills the reports settle). Empty when it would refuse."""
    return reconcile(view, reports, rules=rules, now_ms=0).needs_lookup  # the stamp decides nothing


class _Reconciliation:
    """One reconcile's working state: the snapshot, updated by each event as it is decided."""

    def __init__(self, view: LedgerSnapshotForReconcile, now_ms: int) -> None:
        self.view = view
        self.now_ms = now_ms
        self.orders = OrderIndex(view.orders)
        self.known_trades = set(view.known_trade_ids)
        self.events: list[LedgerEvent] = []
        self.new_fills: list[Fill] = []
        self.cancels: list[ConfirmedCancel] = []
        self.escalated: list[Order] = []
        self.needs_lookup: list[Order] = []
        self.notices: list[Notice] = []
        self.errors = 0

    def outcome(self) -> ReconcileOutcome:
        return ReconcileOutcome(
            events=tuple(self.events),
            new_fills=tuple(self.new_fills),
            cancels=tuple(self.cancels),
            escalated=tuple(self.escalated),
            needs_lookup=tuple(self.needs_lookup),
            notices=tuple(self.notices),
            errors=self.errors,
        )

    def confirm_deletions(self, deletions: Sequence[tuple[str, Decimal]]) -> None:
        """An order that left the book with quantity remaining was canceled; with nothing
        remaining it filled, and its fills arrive with the trade history."""
        for exchange_order_id, remaining in deletions:
            order = self.orders.by_exchange_id(exchange_order_id)
            if order is not None and order.status in SETTLEABLE and remaining > 0:
                self._cancel(order, CancelSource.STREAM)

    def ingest(self, trades: Sequence[Fill], rules: Mapping[str, PairRules]) -> None:
        """Record each trade not yet recorded, once; move the cursor to the newest one read."""
        owners = {fill.trade_id: ledger_client_id(self.orders, fill) for fill in trades}
        floor, newest = self.view.fill_floor_ms, self.view.fill_cursor_ms
        for fill in trades:
            pair = rules.get(fill.symbol)
            if pair is None:
                # Not skipped silently: the cursor stops here so the fill is read again.
                self.notices.append(
                    Notice(logging.ERROR, "fill for a pair without rules", {"trade_id": fill.trade_id})
                )
                self.errors += 1
                break
            ours = owners[fill.trade_id]
            if ours is None and fill.ts_ms < floor:
                continue  # history from before this ledger opened: already in its balances
            if fill.trade_id not in self.known_trades:
                self._fill(fill, pair, ours)
            newest = max(newest, fill.ts_ms)
        if newest != self.view.fill_cursor_ms:
            self.events.append(events.fill_cursor_moved(newest, self.now_ms))

    def settle(
        self, open_orders: Sequence[ExchangeOrder], lookups: Mapping[str, ExchangeOrder | None]
    ) -> None:
        """Ledger orders that left the open list: canceled, filled (the fills tell), or missing."""
        open_ids = {o.exchange_order_id for o in open_orders}
        for order in self.orders.all():
            eid = order.exchange_order_id
            if order.status not in SETTLEABLE or eid is None or eid in open_ids:
                continue
            if eid not in lookups:
                self.needs_lookup.append(order)
                continue
            found = lookups[eid]
            if found is None:
                self._escalate(order)
            elif found.status is OrderStatus.CANCELED:
                self._cancel(order, CancelSource.EXCHANGE)
            # FILLED: the fills carry the truth; they are ingested above or next time.

    def track_foreign(self, open_orders: Sequence[ExchangeOrder]) -> None:
        recorded, notices = foreign_changes(
            open_orders, lambda o: ledger_has(self.orders, o), self.view.foreign_open, self.now_ms
        )
        self.events += recorded
        self.notices += notices

    def _fill(self, fill: Fill, pair: PairRules, ours: str | None) -> None:
        self.known_trades.add(fill.trade_id)
        self.events.append(events.order_filled(fill, pair, ours))
        self.new_fills.append(fill)
        # The projection counts it on its order: by client id, else by exchange id.
        if ours is not None:
            order = self.orders.get(ours)
        else:
            order = self.orders.by_exchange_id(fill.exchange_order_id)
        if order is not None:
            filled = order.filled_quantity + fill.quantity
            self.orders.put(
                replace(
                    order,
                    filled_quantity=filled,
                    status=status_after(order.status, fill_status(filled, order.quantity)),
                    exchange_order_id=order.exchange_order_id or fill.exchange_order_id,
                )
            )
        if ours is None:
            self.notices.append(
                Notice(
                    logging.WARNING,
                    "fill for an order this ledger did not place (manual trade?)",
                    {"trade_id": fill.trade_id, "symbol": fill.symbol},
                )
            )

    def _cancel(self, order: Order, source: CancelSource) -> None:
        self.events.append(events.order_canceled(order.client_order_id, self.now_ms))
        self.orders.put(replace(order, status=status_after(order.status, OrderStatus.CANCELED)))
        self.cancels.append(ConfirmedCancel(order=order, source=source))

    def _escalate(self, order: Order) -> None:
        """Neither open nor found by its lookup: the exchange lost it (or hides it for now).

        It becomes UNCERTAIN, like a submit without an answer: it keeps counting against caps
        and cash, the resolver probes it by client id, and after its probes and window it is
        UNKNOWN (symbol frozen). Found again, it is open again. One miss is enough to start: an
        uncertain order freezes nothing by itself (it counts as open did, and a buy's cash stays
        held back), and the freeze still waits for the probes and the window.
        """
        if not transition_allowed(order.status, OrderStatus.UNCERTAIN):
            return
        self.events.append(events.order_missing_on_exchange(order, self.now_ms))
        self.orders.put(replace(order, status=OrderStatus.UNCERTAIN))
        self.escalated.append(order)
        self.notices.append(
            Notice(
                logging.WARNING,
                "order missing on the exchange: now uncertain, looked up until found or unknown",
                {"client_order_id": order.client_order_id, "symbol": order.symbol},
            )
        )
