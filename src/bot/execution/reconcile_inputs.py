"""What reconciliation compares, as plain values: the ledger's side and the exchange's side.

The shell (`bot.execution.reconcile.Reconciler`) reads a `LedgerSnapshotForReconcile` from the
ledger and gathers `ExchangeReports` from the exchange; the core
(`bot.execution.reconcile_core.reconcile`) compares them without touching either.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal

from bot.domain.foreign_orders import ForeignOrder
from bot.domain.orders import ExchangeOrder, Fill, Order


@dataclass(frozen=True, slots=True, kw_only=True)
class LedgerSnapshotForReconcile:
    """The ledger, as far as one reconciliation needs it.

    `orders` holds every working order and every ledger order the reports name (by client or
    exchange order id): an order the reports name that is not in it is one the ledger lacks.
    Likewise `known_trade_ids` must hold every reported trade id the ledger has recorded; it may
    hold more. Times are epoch ms: `fill_cursor_ms` is the newest trade time read so far,
    `fill_floor_ms` when the ledger opened (0 before it did).
    """

    orders: tuple[Order, ...] = ()
    known_trade_ids: frozenset[str] = frozenset()
    fill_cursor_ms: int = 0
    fill_floor_ms: int = 0
    foreign_open: tuple[ForeignOrder, ...] = ()  # recorded open, oldest first


@dataclass(frozen=True, slots=True, kw_only=True)
class ExchangeReports:
    """What the exchange said. None means "not part of this report", never "none there"."""

    open_orders: tuple[ExchangeOrder, ...] | None = None  # the whole account's open orders
    trades: tuple[Fill, ...] | None = None  # the user's trades since the cursor's lookback, oldest first
    # Lookups by exchange order id of ledger orders that left the open list: the order as the
    # exchange reports it, or None when the lookup did not find it. A lookup that failed is absent.
    lookups: Mapping[str, ExchangeOrder | None] = field(default_factory=dict)
    # The private stream's "order left the book" reports: (exchange order id, remaining quantity).
    deletions: tuple[tuple[str, Decimal], ...] = ()

    def named_ids(self) -> tuple[set[str], set[str]]:
        """(client order ids, exchange order ids) these reports name: the ledger orders a
        snapshot for them must include if the ledger has them."""
        reported: list[ExchangeOrder | Fill] = [*(self.open_orders or ()), *(self.trades or ())]
        client_ids = {r.client_order_id for r in reported if r.client_order_id is not None}
        exchange_ids = {r.exchange_order_id for r in reported}
        return client_ids, exchange_ids | {exchange_order_id for exchange_order_id, _ in self.deletions}


class OrderIndex:
    """Ledger orders by client order id and by exchange order id, as the ledger looks them up
    (two orders with one exchange id: the lowest client id). Kept current as the core applies
    its own events, so each step sees what the steps before it recorded."""

    def __init__(self, orders: Iterable[Order]) -> None:
        self._by_client_id: dict[str, Order] = {}
        self._by_exchange_id: dict[str, str] = {}
        for order in orders:
            self.put(order)

    def get(self, client_order_id: str) -> Order | None:
        return self._by_client_id.get(client_order_id)

    def by_exchange_id(self, exchange_order_id: str) -> Order | None:
        client_order_id = self._by_exchange_id.get(exchange_order_id)
        return None if client_order_id is None else self._by_client_id[client_order_id]

    def put(self, order: Order) -> None:
        """Add an order, or replace the one with its client order id."""
        self._by_client_id[order.client_order_id] = order
        eid = order.exchange_order_id
        if eid is None:
            return
        holder = self._by_exchange_id.get(eid)
        if holder is None or order.client_order_id < holder:
            self._by_exchange_id[eid] = order.client_order_id

    def all(self) -> list[Order]:
        """Every order, in the ledger's order (oldest first, then by client order id)."""
        return sorted(self._by_client_id.values(), key=lambda o: (o.created_ms, o.client_order_id))
