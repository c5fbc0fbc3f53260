"""Reconciliation: bring the ledger in line with what the exchange reports.

`diff_orders` is pure: it compares the ledger's working orders with the exchange's open orders.
`Reconciler` is the shell around it: it ingests fills idempotently, settles orders that left
the open list (canceled or filled), and records the outcome as events.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal

from bot.domain.clock import Clock
from bot.domain.events import EventType
from bot.domain.orders import ExchangeOrder, Fill, Order, OrderStatus
from bot.domain.symbols import PairRules
from bot.exchange.errors import ExchangeError
from bot.exchange.gateway import ExchangeGateway
from bot.execution import crash_points
from bot.execution.lookup import find_by_exchange_id
from bot.execution.observer import ExecutionObserver
from bot.execution.records import fill_payload
from bot.store.db import Database
from bot.store.unit_of_work import UnitOfWork

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
        report = ReconcileReport()
        self.ingest_fills(rules, report)
        crash_points.reach("reconcile_after_fills")
        self.settle_closed(open_on_exchange, report)
        return report

    def ingest_fills(self, rules: Mapping[str, PairRules], report: ReconcileReport) -> None:
        with self._db.unit_of_work() as uow:
            cursor = int(uow.state.get(FILL_CURSOR_KEY) or "0")
        try:
            fills = self._gateway.user_trades(max(0, cursor - self._lookback_ms))
        except ExchangeError as error:
            report.errors += 1
            self._observer.exchange_error(error.endpoint, type(error).__name__)
            return
        with self._db.unit_of_work() as uow:
            floor = int(uow.state.get(FILL_FLOOR_KEY) or "0")
            newest = cursor
            for fill in fills:
                pair = rules.get(fill.symbol)
                if pair is None:
                    # Not skipped silently: the cursor stops here so the fill is read again.
                    log.error("fill for a pair without rules", extra={"fields": {"trade_id": fill.trade_id}})
                    report.errors += 1
                    break
                ours = self._our_client_id(uow, fill)
                if ours is None and fill.ts_ms < floor:
                    continue  # history from before this ledger opened: already in its balances
                if ours is None:
                    log.warning(
                        "fill for an order this ledger did not place (manual trade?)",
                        extra={"fields": {"trade_id": fill.trade_id, "symbol": fill.symbol}},
                    )
                if uow.record(EventType.ORDER_FILLED, fill_payload(fill, pair, ours)):
                    report.new_fills += 1
                    self._observer.order_filled(fill.symbol, fill.side.value)
                newest = max(newest, fill.ts_ms)
            if newest != cursor:
                uow.record(
                    EventType.STATE_CHANGED,
                    {"key": FILL_CURSOR_KEY, "value": str(newest), "ts_ms": self._clock.now_ms()},
                )
            if report.new_fills:
                crash_points.reach("reconcile_before_commit")
            uow.commit()

    @staticmethod
    def _our_client_id(uow: UnitOfWork, fill: Fill) -> str | None:
        if fill.client_order_id is not None and uow.orders.get(fill.client_order_id) is not None:
            return fill.client_order_id
        known = uow.orders.by_exchange_id(fill.exchange_order_id)
        return known.client_order_id if known else None

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
        with self._db.unit_of_work() as uow:
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
            if found is not None and found.status is OrderStatus.CANCELED:
                with self._db.unit_of_work() as uow:
                    uow.record(
                        EventType.ORDER_CANCELED,
                        {"client_order_id": order.client_order_id, "ts_ms": self._clock.now_ms()},
                    )
                    uow.commit()
                report.settled += 1
                self._observer.order_canceled(order.symbol, "exchange_confirmed")
            # FILLED: the fills carry the truth; they are ingested above or on the next cycle.
