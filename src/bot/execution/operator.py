"""Operator actions on orders the bot could not settle by itself."""

from __future__ import annotations

import logging

from bot.domain.clock import Clock
from bot.domain.orders import OrderStatus
from bot.execution.uncertain import UncertainResolver
from bot.store.db import Database
from bot.store.ledger_events import OrderRejected

log = logging.getLogger(__name__)


class CannotResolve(ValueError):
    """The order is not in a state an operator may settle."""


def resolve_not_placed(
    database: Database, resolver: UncertainResolver, clock: Clock, client_order_id: str, reason: str
) -> OrderStatus:
    """Settle an UNKNOWN order as never placed, after one last lookup on the exchange.

    If the lookup finds it, the exchange's answer wins and the operator's is not recorded.
    Returns the order's status afterwards. Raises CannotResolve for any other order.
    """
    with database.read() as uow:
        order = uow.orders.get(client_order_id)
    if order is None:
        raise CannotResolve(f"no order {client_order_id!r} in the ledger")
    if order.status is not OrderStatus.UNKNOWN:
        raise CannotResolve(
            f"order {client_order_id} is {order.status.value}; only unknown orders can be settled by hand"
        )
    resolver.probe(client_order_id)
    with database.unit_of_work() as uow:
        order = uow.orders.get(client_order_id)
        assert order is not None
        if order.status is OrderStatus.UNKNOWN:
            uow.record(
                OrderRejected(
                    client_order_id=client_order_id,
                    code=None,
                    message=f"operator: not placed ({reason})",
                    ts_ms=clock.now_ms(),
                )
            )
            uow.commit()
            log.warning(
                "unknown order settled by operator as not placed",
                extra={"fields": {"client_order_id": client_order_id, "reason": reason}},
            )
        order = uow.orders.get(client_order_id)
        assert order is not None
        return order.status
