"""Resolving submits whose outcome is unknown: by lookup, never by sending again.

An order stays UNCERTAIN while probes can still find it. After `probe_limit` probes and
`window_ms` since it was written ahead, it becomes UNKNOWN: the symbol is frozen for new
submits and the order keeps counting against caps until a later probe finds it.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from bot.domain.clock import Clock
from bot.domain.events import EventType
from bot.domain.orders import ExchangeOrder, Order, OrderStatus
from bot.exchange.errors import ExchangeError
from bot.exchange.gateway import ExchangeGateway
from bot.execution.lifecycle import transition_allowed
from bot.execution.lookup import find_by_client_id
from bot.store.db import Database
from bot.store.unit_of_work import UnitOfWork

log = logging.getLogger(__name__)

UNRESOLVED = (OrderStatus.UNCERTAIN, OrderStatus.UNKNOWN)


@dataclass(frozen=True, slots=True, kw_only=True)
class UncertainPolicy:
    probe_limit: int
    window_ms: int


class UncertainResolver:
    def __init__(
        self, *, gateway: ExchangeGateway, database: Database, clock: Clock, policy: UncertainPolicy
    ) -> None:
        self._gateway = gateway
        self._db = database
        self._clock = clock
        self._policy = policy

    def resolve_all(self) -> int:
        """Probe every unresolved order; returns how many are still unresolved."""
        with self._db.unit_of_work() as uow:
            pending = [o for status in UNRESOLVED for o in uow.orders.by_status(status)]
        for order in pending:
            self.probe(order.client_order_id)
        with self._db.unit_of_work() as uow:
            return sum(len(uow.orders.by_status(status)) for status in UNRESOLVED)

    def probe(self, client_order_id: str) -> None:
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
            else:
                self._record_not_found(uow, order)
            uow.commit()

    def _record_found(self, uow: UnitOfWork, order: Order, found: ExchangeOrder) -> None:
        now = self._clock.now_ms()
        uow.record(
            EventType.ORDER_ACCEPTED,
            {
                "client_order_id": order.client_order_id,
                "exchange_order_id": found.exchange_order_id,
                "ts_ms": now,
            },
        )
        if found.status is OrderStatus.CANCELED:
            uow.record(EventType.ORDER_CANCELED, {"client_order_id": order.client_order_id, "ts_ms": now})
        log.info(
            "uncertain order found on exchange",
            extra={
                "fields": {"client_order_id": order.client_order_id, "exchange_status": found.status.value}
            },
        )

    def _record_not_found(self, uow: UnitOfWork, order: Order) -> None:
        now = self._clock.now_ms()
        key = f"uncertain_probes:{order.client_order_id}"
        probes = int(uow.state.get(key) or "0") + 1
        uow.record(EventType.STATE_CHANGED, {"key": key, "value": str(probes), "ts_ms": now})
        if order.status is OrderStatus.PENDING_SUBMIT:
            uow.record(
                EventType.ORDER_SUBMIT_UNCERTAIN,
                {
                    "client_order_id": order.client_order_id,
                    "ts_ms": now,
                    "message": "write-ahead without outcome",
                },
            )
            return
        expired = probes >= self._policy.probe_limit and now - order.created_ms >= self._policy.window_ms
        if expired and transition_allowed(order.status, OrderStatus.UNKNOWN):
            uow.record(
                EventType.ORDER_MARKED_UNKNOWN,
                {
                    "client_order_id": order.client_order_id,
                    "ts_ms": now,
                    "message": f"not found after {probes} probes over {now - order.created_ms} ms",
                },
            )
            log.error(
                "order outcome unknown: symbol frozen until resolved",
                extra={"fields": {"client_order_id": order.client_order_id, "symbol": order.symbol}},
            )
