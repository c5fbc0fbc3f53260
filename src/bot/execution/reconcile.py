"""Reconciliation's shell: read the ledger, ask the exchange, let the core decide, record.

The decisions are pure (`bot.execution.reconcile_core.reconcile`, docs/adr/0004-reconciliation.md).
`Reconciler` gathers its inputs (a `LedgerSnapshotForReconcile` read from the ledger, the
exchange's reports), records the outcome's events in one unit of work, and only after the commit
tells the observer and emits the log lines. A ledger behind the exchange raises
LedgerBehindExchange and records nothing.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from decimal import Decimal

from bot.domain.clock import Clock
from bot.domain.orders import ExchangeOrder, Fill
from bot.domain.symbols import PairRules
from bot.exchange.errors import ExchangeError
from bot.exchange.gateway import ExchangeGateway
from bot.execution import crash_points
from bot.execution.ledger_behind import refuse
from bot.execution.lookup import find_by_exchange_id
from bot.execution.notices import emit
from bot.execution.observer import ExecutionObserver
from bot.execution.reconcile_core import (
    CancelSource,
    ReconcileOutcome,
    ledger_behind,
    orders_to_look_up,
    reconcile,
)
from bot.execution.reconcile_events import FILL_CURSOR_KEY, FILL_FLOOR_KEY
from bot.execution.reconcile_inputs import ExchangeReports, LedgerSnapshotForReconcile
from bot.execution.recorded_trades import RecordedTrades
from bot.store.db import Database
from bot.store.repositories import Repositories

__all__ = ["FILL_CURSOR_KEY", "FILL_FLOOR_KEY", "ReconcileReport", "Reconciler", "read_snapshot"]

log = logging.getLogger(__name__)


@dataclass(slots=True)
class ReconcileReport:
    new_fills: int = 0
    settled: int = 0
    errors: int = 0
    lag_ms_max: int = 0  # the longest a new fill took from the exchange's trade time to the ledger


def read_snapshot(
    repos: Repositories, reports: ExchangeReports, known_trade_ids: frozenset[str] = frozenset()
) -> LedgerSnapshotForReconcile:
    """The ledger as `reconcile` needs it for `reports`: the working orders, every order the
    reports name, the fill cursor and floor, and the foreign orders recorded open."""
    orders = {o.client_order_id: o for o in repos.orders.working()}
    client_ids, exchange_ids = reports.named_ids()
    for client_order_id in sorted(client_ids - set(orders)):
        order = repos.orders.get(client_order_id)
        if order is not None:
            orders[order.client_order_id] = order
    for exchange_order_id in sorted(exchange_ids):
        order = repos.orders.by_exchange_id(exchange_order_id)
        if order is not None:
            orders[order.client_order_id] = order
    return LedgerSnapshotForReconcile(
        orders=tuple(orders.values()),
        known_trade_ids=known_trade_ids,
        fill_cursor_ms=int(repos.state.get(FILL_CURSOR_KEY) or "0"),
        fill_floor_ms=int(repos.state.get(FILL_FLOOR_KEY) or "0"),
        foreign_open=tuple(repos.foreign_orders.open()),
    )


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
        self._recorded_trades = RecordedTrades()

    def refuse_if_behind(self, open_on_exchange: Sequence[ExchangeOrder]) -> None:
        """Raise LedgerBehindExchange if the exchange lists an open order of this bot (by its client
        order id scheme) that the ledger does not know. Reads only."""
        reports = ExchangeReports(open_orders=tuple(open_on_exchange))
        with self._db.read() as repos:
            view = read_snapshot(repos, reports)
        refuse(ledger_behind(view, reports), self._db.path)

    def confirm_deleted(self, deletions: Sequence[tuple[str, Decimal]]) -> int:
        """Apply the exchange's asynchronous 'order left the book' reports (BTCTurk WS 452).

        Each item is (exchange order id, remaining quantity). An order that left the book with
        quantity remaining was canceled; one with nothing remaining filled, and its fills arrive
        with the trade history. Returns how many cancels this confirmed.
        """
        outcome = self._record(ExchangeReports(deletions=tuple(deletions)), {})
        return sum(1 for cancel in outcome.cancels if cancel.source is CancelSource.STREAM)

    def run(
        self, rules: Mapping[str, PairRules], open_on_exchange: Sequence[ExchangeOrder]
    ) -> ReconcileReport:
        """Ingest new fills, settle orders that left the open list, record foreign open orders.

        Raises LedgerBehindExchange (recording nothing) for orders or trades of this bot that the
        ledger does not know; call `refuse_if_behind` first, before anything else records."""
        report = ReconcileReport()
        reports = ExchangeReports(open_orders=tuple(open_on_exchange), trades=self._read_trades(report))
        reports = self._look_up(reports, rules, report)
        outcome = self._record(reports, rules, crash_points_on=True)
        report.new_fills = len(outcome.new_fills)
        report.settled = sum(1 for cancel in outcome.cancels if cancel.source is CancelSource.EXCHANGE)
        report.errors += outcome.errors
        recorded_ms = self._clock.now_ms()
        report.lag_ms_max = max((max(0, recorded_ms - fill.ts_ms) for fill in outcome.new_fills), default=0)
        return report

    def _read_trades(self, report: ReconcileReport) -> tuple[Fill, ...] | None:
        with self._db.read() as repos:
            since_ms = self._trades_since(repos)
        try:
            return tuple(self._gateway.user_trades(since_ms))
        except ExchangeError as error:
            self._failed(error, report)
            return None

    def _look_up(
        self, reports: ExchangeReports, rules: Mapping[str, PairRules], report: ReconcileReport
    ) -> ExchangeReports:
        """The reports plus a lookup of each ledger order that left the open list (and that the
        fills do not settle); a failed lookup is left out, and that order waits for the next run."""
        with self._db.read() as repos:
            needed = orders_to_look_up(self._snapshot(repos, reports), reports, rules=rules)
        lookups: dict[str, ExchangeOrder | None] = {}
        for order in needed:
            assert order.exchange_order_id is not None
            try:
                lookups[order.exchange_order_id] = find_by_exchange_id(
                    self._gateway,
                    symbol=order.symbol,
                    exchange_order_id=order.exchange_order_id,
                    created_ms=order.created_ms,
                )
            except ExchangeError as error:
                self._failed(error, report)
        return replace(reports, lookups=lookups)

    def _record(
        self, reports: ExchangeReports, rules: Mapping[str, PairRules], *, crash_points_on: bool = False
    ) -> ReconcileOutcome:
        with self._db.unit_of_work() as uow:
            view = self._snapshot(uow, reports)
            outcome = reconcile(view, reports, rules=rules, now_ms=self._clock.now_ms())
            refuse(outcome.behind, self._db.path)  # raises, and the unit of work rolls back
            for event in outcome.events:
                uow.record(event)
            if crash_points_on:
                if outcome.new_fills:
                    crash_points.reach("reconcile_before_commit")
                crash_points.reach("reconcile_after_fills")
            uow.commit()
        for fill in outcome.new_fills:
            self._observer.order_filled(fill.symbol, fill.side.value)
        for cancel in outcome.cancels:
            self._observer.order_canceled(cancel.order.symbol, cancel.source.value)
        emit(log, outcome.notices)
        return outcome

    def _snapshot(self, repos: Repositories, reports: ExchangeReports) -> LedgerSnapshotForReconcile:
        if reports.trades is None:
            return read_snapshot(repos, reports)
        trade_ids = (fill.trade_id for fill in reports.trades)
        known = self._recorded_trades.known_among(repos, trade_ids, self._trades_since(repos))
        return read_snapshot(repos, reports, known)

    def _trades_since(self, repos: Repositories) -> int:
        """Trades are read from a lookback before the cursor: a trade can be reported late."""
        return max(0, int(repos.state.get(FILL_CURSOR_KEY) or "0") - self._lookback_ms)

    def _failed(self, error: ExchangeError, report: ReconcileReport) -> None:
        report.errors += 1
        self._observer.exchange_error(error.endpoint, type(error).__name__)
