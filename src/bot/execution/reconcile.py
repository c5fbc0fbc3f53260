"""Reconciliation: bring the ledger in line with what the exchange reports.

`diff_orders` is pure: it compares the ledger's working orders with the exchange's open orders.
`Reconciler` is the shell around it: it refuses a ledger that is behind the exchange, ingests
fills idempotently, settles orders that left the open list (canceled or filled), escalates those
the exchange no longer knows, and records foreign open orders, all as events.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal

from bot.domain.clock import Clock
from bot.domain.events import EventType
from bot.domain.orders import ExchangeOrder, Order, OrderStatus
from bot.domain.symbols import PairRules
from bot.exchange.errors import ExchangeError
from bot.exchange.gateway import ExchangeGateway
from bot.execution import crash_points
from bot.execution.foreign_orders import log_foreign, record_foreign
from bot.execution.ledger_behind import ledger_client_id, refuse, unknown_open_orders, unknown_trades
from bot.execution.lifecycle import transition_allowed
from bot.execution.lookup import find_by_exchange_id
from bot.execution.observer import ExecutionObserver
from bot.execution.records import fill_payload
from bot.store.db import Database

log = logging.getLogger(__name__)

FILL_CURSOR_KEY = "fills.cursor_ms"
FILL_FLOOR_KEY = "fills.floor_ms"  # when the ledger opened; older foreign fills are in its balances
SETTLEABLE = (OrderStatus.OPEN, OrderStatus.PARTIALLY_FILLED, OrderStatus.CANCEL_REQUESTED)


def diff_orders(working: Sequence[Order], open_on_exchange: Sequence[ExchangeOrder]) -> list[Order]:
    """Ledger orders the exchange should list as open but does not: they closed somehow."""
    open_ids = {o.exchange_order_id for o in open_on_exchange}
    return [
        order
        for order in working
        if order.status in SETTLEABLE
        and order.exchange_order_id is not None
        and order.exchange_order_id not in open_ids
    ]


@dataclass(slots=True)
class ReconcileReport:
    new_fills: int = 0
    settled: int = 0
    errors: int = 0


class Reconciler:
    def __init__(
        self,
        *,
        gateway: ExchangeGateway,
        database: Database,
        clock: Clock,
        observer: ExecutionObserver,
        fill_lookback_ms: int,
    ) -> None:
        self._gateway = gateway
        self._db = database
        self._clock = clock
        self._observer = observer
        self._lookback_ms = fill_lookback_ms

    def run(
        self, rules: Mapping[str, PairRules], open_on_exchange: Sequence[ExchangeOrder]
    ) -> ReconcileReport:
        """Raises LedgerBehindExchange (recording nothing) for trades of this bot that the ledger
        does not know; call `refuse_if_behind` first, before anything else records, for open orders."""
        report = ReconcileReport()
        self.ingest_fills(rules, report)
        crash_points.reach("reconcile_after_fills")
        self.settle_closed(open_on_exchange, report)
        self.track_foreign(open_on_exchange)
        return report

    def refuse_if_behind(self, open_on_exchange: Sequence[ExchangeOrder]) -> None:
        """Raise LedgerBehindExchange if the exchange lists an open order of this bot (by its client
        order id scheme) that the ledger does not know. Reads only."""
        with self._db.read() as uow:
            unknown = unknown_open_orders(uow, open_on_exchange)
        refuse(unknown, self._db.path)

    def ingest_fills(self, rules: Mapping[str, PairRules], report: ReconcileReport) -> None:
        with self._db.read() as uow:
            cursor = int(uow.state.get(FILL_CURSOR_KEY) or "0")
        try:
            fills = self._gateway.user_trades(max(0, cursor - self._lookback_ms))
        except ExchangeError as error:
            report.errors += 1
            self._observer.exchange_error(error.endpoint, type(error).__name__)
            return
        with self._db.unit_of_work() as uow:
            floor = int(uow.state.get(FILL_FLOOR_KEY) or "0")
            owners = {fill.trade_id: ledger_client_id(uow, fill) for fill in fills}
            refuse(unknown_trades(fills, owners, floor), self._db.path)  # rolls back: nothing recorded
            newest = cursor
            for fill in fills:
                pair = rules.get(fill.symbol)
                if pair is None:
                    # Not skipped silently: the cursor stops here so the fill is read again.
                    log.error("fill for a pair without rules", extra={"fields": {"trade_id": fill.trade_id}})
                    report.errors += 1
                    break
                ours = owners[fill.trade_id]
                if ours is None and fill.ts_ms < floor:
                    continue  # history from before this ledger opened: already in its balances
                if uow.record(EventType.ORDER_FILLED, fill_payload(fill, pair, ours)):
                    report.new_fills += 1
                    self._observer.order_filled(fill.symbol, fill.side.value)
                    if ours is None:  # once, when first recorded, not every cycle it is re-read
                        log.warning(
                            "fill for an order this ledger did not place (manual trade?)",
                            extra={"fields": {"trade_id": fill.trade_id, "symbol": fill.symbol}},
                        )
                newest = max(newest, fill.ts_ms)
            if newest != cursor:
                uow.record(
                    EventType.STATE_CHANGED,
                    {"key": FILL_CURSOR_KEY, "value": str(newest), "ts_ms": self._clock.now_ms()},
                )
            if report.new_fills:
                crash_points.reach("reconcile_before_commit")
            uow.commit()

    def confirm_deleted(self, deletions: Sequence[tuple[str, Decimal]]) -> int:
        """Apply the exchange's asynchronous 'order left the book' reports (BTCTurk WS 452).

        Each item is (exchange order id, remaining quantity). An order that left the book with
        quantity remaining was canceled; one with nothing remaining filled, and its fills arrive
        with the trade history. Returns how many cancels this confirmed.
        """
        confirmed = 0
        with self._db.unit_of_work() as uow:
            for exchange_order_id, remaining in deletions:
                order = uow.orders.by_exchange_id(exchange_order_id)
                if order is None or order.status not in SETTLEABLE or remaining <= 0:
                    continue
                uow.record(
                    EventType.ORDER_CANCELED,
                    {"client_order_id": order.client_order_id, "ts_ms": self._clock.now_ms()},
                )
                self._observer.order_canceled(order.symbol, "stream_confirmed")
                confirmed += 1
            uow.commit()
        return confirmed

    def settle_closed(self, open_on_exchange: Sequence[ExchangeOrder], report: ReconcileReport) -> None:
        with self._db.read() as uow:
            missing = diff_orders(uow.orders.working(), open_on_exchange)
        for order in missing:
            assert order.exchange_order_id is not None
            try:
                found = find_by_exchange_id(
                    self._gateway,
                    symbol=order.symbol,
                    exchange_order_id=order.exchange_order_id,
                    created_ms=order.created_ms,
                )
            except ExchangeError as error:
                report.errors += 1
                self._observer.exchange_error(error.endpoint, type(error).__name__)
                continue
            if found is None:
                self._escalate_missing(order)
            elif found.status is OrderStatus.CANCELED:
                self._record(EventType.ORDER_CANCELED, order.client_order_id)
                report.settled += 1
                self._observer.order_canceled(order.symbol, "exchange_confirmed")
            # FILLED: the fills carry the truth; they are ingested above or on the next cycle.

    def _escalate_missing(self, order: Order) -> None:
        """Neither open nor found by its lookup: the exchange lost it (or hides it for now).

        It becomes UNCERTAIN, like a submit without an answer: it keeps counting against caps
        and cash, the resolver probes it by client id, and after its probes and window it is
        UNKNOWN (symbol frozen). Found again, it is open again. One miss is enough to start: an
        uncertain order freezes nothing by itself (it counts as open did, and a buy's cash stays
        held back), and the freeze still waits for the probes and the window.
        """
        if not transition_allowed(order.status, OrderStatus.UNCERTAIN):
            return
        message = f"exchange order {order.exchange_order_id} is neither open nor found by lookup"
        self._record(EventType.ORDER_MISSING_ON_EXCHANGE, order.client_order_id, message=message)
        log.warning(
            "order missing on the exchange: now uncertain, looked up until found or unknown",
            extra={"fields": {"client_order_id": order.client_order_id, "symbol": order.symbol}},
        )

    def track_foreign(self, open_on_exchange: Sequence[ExchangeOrder]) -> None:
        """Record open orders this ledger did not place when first seen, and when they are gone."""
        with self._db.unit_of_work() as uow:
            seen, gone = record_foreign(uow, open_on_exchange, self._clock.now_ms())
            uow.commit()
        log_foreign(seen, gone)

    def _record(self, event_type: EventType, client_order_id: str, **fields: object) -> None:
        with self._db.unit_of_work() as uow:
            uow.record(
                event_type, {"client_order_id": client_order_id, "ts_ms": self._clock.now_ms(), **fields}
            )
            uow.commit()
