"""Startup recovery: before the first cycle, settle what a previous process left in flight."""

from __future__ import annotations

import logging

from bot.domain.orders import OrderStatus
from bot.execution.uncertain import UncertainResolver
from bot.store.db import Database

log = logging.getLogger(__name__)


def recover(database: Database, resolver: UncertainResolver) -> int:
    """Probe orders written ahead by a process that died before knowing the outcome.

    Returns the number of orders still unresolved (UNCERTAIN or UNKNOWN) afterwards.
    """
    with database.read() as uow:
        pending = uow.orders.by_status(OrderStatus.PENDING_SUBMIT)
    for order in pending:
        log.warning(
            "recovering order written ahead by an earlier run",
            extra={"fields": {"client_order_id": order.client_order_id}},
        )
        resolver.probe(order.client_order_id)
    return resolver.resolve_all()
