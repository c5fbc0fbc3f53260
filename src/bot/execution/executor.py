"""The executor: write-ahead, then act; never re-send a submit whose outcome is unknown."""

from __future__ import annotations

import logging
import time
from collections.abc import Sequence
from dataclasses import dataclass

from bot.domain.clock import Clock
from bot.domain.decisions import ApprovedAction
from bot.domain.intents import CancelIntent, SubmitIntent
from bot.domain.orders import OrderStatus, SubmitOrder
from bot.exchange.errors import AuthError, ExchangeError, NotSent, RateLimited, Rejected
from bot.exchange.gateway import ExchangeGateway
from bot.execution import crash_points
from bot.execution.lifecycle import transition_allowed
from bot.execution.observer import ExecutionObserver
from bot.execution.records import submit_requested
from bot.execution.uncertain import UncertainResolver
from bot.store.db import Database
from bot.store.ledger_events import (
    LedgerEvent,
    OrderAccepted,
    OrderCancelRequested,
    OrderRejected,
    OrderSubmitUncertain,
)

log = logging.getLogger(__name__)


@dataclass(slots=True)
class ExecutionReport:
    submitted: int = 0
    rejected: int = 0
    uncertain: int = 0
    cancel_requested: int = 0
    errors: int = 0
    submit_ms_max: int = 0  # the slowest submit: write-ahead intent to the exchange's answer (or giving up)

    @property
    def sent(self) -> int:
        """Submits that reached the gateway, however they ended."""
        return self.submitted + self.rejected + self.uncertain


@dataclass(frozen=True, slots=True)
class PlannedAction:
    """An approved action with the client order id it was given when its decision was recorded."""

    action: ApprovedAction
    client_order_id: str | None


class Executor:
    def __init__(
        self,
        *,
        gateway: ExchangeGateway,
        database: Database,
        clock: Clock,
        observer: ExecutionObserver,
        resolver: UncertainResolver,
    ) -> None:
        self._gateway = gateway
        self._db = database
        self._clock = clock
        self._observer = observer
        self._resolver = resolver

    def execute(self, cycle_id: int, planned: Sequence[PlannedAction]) -> ExecutionReport:
        report = ExecutionReport()
        for item in planned:
            intent = item.action.intent
            if isinstance(intent, SubmitIntent) and item.client_order_id is not None:
                self._submit(cycle_id, intent, item.client_order_id, report)
            elif isinstance(intent, CancelIntent):
                self._cancel(intent, report)
        return report

    def _submit(
        self, cycle_id: int, intent: SubmitIntent, client_order_id: str, report: ExecutionReport
    ) -> None:
        now = self._clock.now_ms()
        started = time.perf_counter()  # the latency is a duration: wall-clock steps must not bend it
        with self._db.unit_of_work() as uow:
            is_new = uow.record(
                submit_requested(intent, client_order_id=client_order_id, cycle_id=cycle_id, ts_ms=now)
            )
            crash_points.reach("before_write_ahead")
            uow.commit()
        if not is_new:
            log.warning(
                "submit skipped: already written ahead",
                extra={"fields": {"client_order_id": client_order_id}},
            )
            return
        crash_points.reach("after_write_ahead")
        command = SubmitOrder(
            client_order_id=client_order_id,
            symbol=intent.symbol,
            side=intent.side,
            price=intent.price,
            quantity=intent.quantity,
        )
        try:
            ack = self._gateway.submit_order(command)
        except (Rejected, RateLimited, AuthError, NotSent) as error:
            # Refused or never sent: nothing was placed, a terminal outcome for this order.
            report.submit_ms_max = max(report.submit_ms_max, _elapsed_ms(started))
            self._record_rejected(client_order_id, error)
            report.rejected += 1
            self._observer.exchange_error(error.endpoint, type(error).__name__)
            return
        except ExchangeError as error:
            # UncertainOutcome, or anything unexpected after sending: resolve by lookup only.
            report.submit_ms_max = max(report.submit_ms_max, _elapsed_ms(started))
            self._record(
                OrderSubmitUncertain(client_order_id=client_order_id, message=str(error), ts_ms=self._now())
            )
            report.uncertain += 1
            self._observer.submit_uncertain()
            self._observer.exchange_error(error.endpoint, type(error).__name__)
            self._resolver.probe(client_order_id)
            return
        crash_points.reach("after_submit_response")
        acked = self._now()
        report.submit_ms_max = max(report.submit_ms_max, _elapsed_ms(started))
        self._record(
            OrderAccepted(
                client_order_id=client_order_id, exchange_order_id=ack.exchange_order_id, ts_ms=acked
            )
        )
        report.submitted += 1
        self._observer.order_submitted(intent.symbol, intent.side.value)

    def _cancel(self, intent: CancelIntent, report: ExecutionReport) -> None:
        with self._db.read() as uow:
            order = uow.orders.get(intent.client_order_id)
        if order is None or order.exchange_order_id is None:
            return
        if order.status is not OrderStatus.CANCEL_REQUESTED:
            if not transition_allowed(order.status, OrderStatus.CANCEL_REQUESTED):
                return
            self._record(
                OrderCancelRequested(
                    client_order_id=order.client_order_id, reason=intent.rationale, ts_ms=self._now()
                )
            )
        # else: an earlier cancel may not have arrived; cancelling again is harmless, so send it.
        crash_points.reach("cancel_before_send")
        try:
            self._gateway.cancel_order(order.exchange_order_id)
        except ExchangeError as error:
            # The order may have filled or closed meanwhile; reconciliation settles the final state.
            report.errors += 1
            self._observer.exchange_error(error.endpoint, type(error).__name__)
            log.warning(
                "cancel failed",
                extra={"fields": {"client_order_id": order.client_order_id, "error": str(error)}},
            )
            return
        crash_points.reach("cancel_after_send")
        report.cancel_requested += 1

    def _record_rejected(self, client_order_id: str, error: ExchangeError) -> None:
        code = error.code if isinstance(error, Rejected) else None
        token = error.token if isinstance(error, Rejected) else type(error).__name__
        self._record(
            OrderRejected(
                client_order_id=client_order_id, code=code, message=token or str(error), ts_ms=self._now()
            )
        )
        log.warning(
            "order rejected by exchange",
            extra={"fields": {"client_order_id": client_order_id, "error": str(error)}},
        )

    def _now(self) -> int:
        return self._clock.now_ms()

    def _record(self, event: LedgerEvent) -> None:
        with self._db.unit_of_work() as uow:
            uow.record(event)
            uow.commit()


def _elapsed_ms(started: float) -> int:
    return round((time.perf_counter() - started) * 1000)
