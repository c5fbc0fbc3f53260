"""Resolving orders whose outcome is unknown: by lookup, never by sending again.

An order stays UNCERTAIN while probes can still find it: a submit without an answer, or an open
order the exchange stopped listing. After `probe_limit` probes that did not find it and
`window_ms` since it was written ahead, it becomes UNKNOWN: the symbol is frozen for new submits
and the order keeps counting against caps until a later probe finds it.

A probe that changes nothing records nothing: the not-found count lives in memory, and only the
escalation is an event (its message says after how many probes). UNCERTAIN orders are probed
every cycle (their window is short); UNKNOWN ones back off, doubling from `backoff_base_ms` up
to `backoff_max_ms`, so one unknown order costs O(log n) lookups over n cycles. A restart starts
the count and the backoff afresh: every unresolved order is probed in the first cycle, and an
uncertain one needs `probe_limit` misses of the new process before it escalates.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from bot.domain.clock import Clock
from bot.domain.orders import ExchangeOrder, Order, OrderStatus
from bot.exchange.errors import ExchangeError
from bot.exchange.gateway import ExchangeGateway
from bot.execution.lifecycle import transition_allowed
from bot.execution.lookup import find_by_client_id
from bot.store.db import Database
from bot.store.ledger_events import OrderAccepted, OrderCanceled, OrderMarkedUnknown, OrderSubmitUncertain
from bot.store.unit_of_work import UnitOfWork

log = logging.getLogger(__name__)

UNRESOLVED = (OrderStatus.UNCERTAIN, OrderStatus.UNKNOWN)


@dataclass(frozen=True, slots=True, kw_only=True)
class UncertainPolicy:
    probe_limit: int
    window_ms: int
    backoff_base_ms: int = 5_000  # first wait between probes of an UNKNOWN order (the cycle period)
    backoff_max_ms: int = 600_000  # the longest wait


@dataclass(slots=True)
class _Probes:
    """What this process learned about one order's lookups."""

    misses: int = 0
    next_ms: int = 0  # an UNKNOWN order is not probed by resolve_all before this
    interval_ms: int = 0


class UncertainResolver:
    def __init__(
        self, *, gateway: ExchangeGateway, database: Database, clock: Clock, policy: UncertainPolicy
    ) -> None:
        self._gateway = gateway
        self._db = database
        self._clock = clock
        self._policy = policy
        self._probes: dict[str, _Probes] = {}  # by client order id

    def resolve_all(self) -> int:
        """Probe every unresolved order that is due; returns how many are still unresolved."""
        with self._db.read() as uow:
            pending = [o for status in UNRESOLVED for o in uow.orders.by_status(status)]
        now = self._clock.now_ms()
        for order in pending:
            due_ms = self._probes.get(order.client_order_id, _Probes()).next_ms
            if order.status is OrderStatus.UNKNOWN and now < due_ms:
                continue
            self.probe(order.client_order_id)
        pending_ids = {o.client_order_id for o in pending}
        for client_order_id in list(self._probes):
            if client_order_id not in pending_ids:
                del self._probes[client_order_id]  # resolved, or settled by an operator
        with self._db.unit_of_work() as uow:
            return sum(len(uow.orders.by_status(status)) for status in UNRESOLVED)

    def probe(self, client_order_id: str) -> None:
        """Look the order up now, whatever the backoff says (the executor and operator call this)."""
        with self._db.unit_of_work() as uow:
            order = uow.orders.get(client_order_id)
        if order is None or order.status not in (*UNRESOLVED, OrderStatus.PENDING_SUBMIT):
            return
        try:
            found = find_by_client_id(
                self._gateway,
                symbol=order.symbol,
                client_order_id=client_order_id,
                created_ms=order.created_ms,
            )
        except ExchangeError as error:
            log.warning(
                "lookup failed", extra={"fields": {"client_order_id": client_order_id, "error": str(error)}}
            )
            return
        with self._db.unit_of_work() as uow:
            if found is not None:
                self._record_found(uow, order, found)
                self._probes.pop(client_order_id, None)
            else:
                self._record_not_found(uow, order)
            uow.commit()

    def _record_found(self, uow: UnitOfWork, order: Order, found: ExchangeOrder) -> None:
        now = self._clock.now_ms()
        uow.record(
            OrderAccepted(
                client_order_id=order.client_order_id, exchange_order_id=found.exchange_order_id, ts_ms=now
            )
        )
        if found.status is OrderStatus.CANCELED:
            uow.record(OrderCanceled(client_order_id=order.client_order_id, ts_ms=now))
        log.info(
            "uncertain order found on exchange",
            extra={
                "fields": {"client_order_id": order.client_order_id, "exchange_status": found.status.value}
            },
        )

    def _record_not_found(self, uow: UnitOfWork, order: Order) -> None:
        now = self._clock.now_ms()
        probes = self._probes.setdefault(order.client_order_id, _Probes())
        probes.misses += 1
        if order.status is OrderStatus.PENDING_SUBMIT:
            uow.record(
                OrderSubmitUncertain(
                    client_order_id=order.client_order_id, message="write-ahead without outcome", ts_ms=now
                )
            )
            return
        if order.status is OrderStatus.UNKNOWN:
            self._back_off(probes, now)
            return
        expired = (
            probes.misses >= self._policy.probe_limit and now - order.created_ms >= self._policy.window_ms
        )
        if expired and transition_allowed(order.status, OrderStatus.UNKNOWN):
            uow.record(
                OrderMarkedUnknown(
                    client_order_id=order.client_order_id,
                    message=f"not found after {probes.misses} probes over {now - order.created_ms} ms",
                    ts_ms=now,
                )
            )
            probes.interval_ms = 0
            self._back_off(probes, now)
            log.error(
                "order outcome unknown: symbol frozen until resolved",
                extra={"fields": {"client_order_id": order.client_order_id, "symbol": order.symbol}},
            )

    def _back_off(self, probes: _Probes, now: int) -> None:
        base, ceiling = self._policy.backoff_base_ms, self._policy.backoff_max_ms
        probes.interval_ms = min(ceiling, base if probes.interval_ms == 0 else probes.interval_ms * 2)
        probes.next_ms = now + probes.interval_ms
