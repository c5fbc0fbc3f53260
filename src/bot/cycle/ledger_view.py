"""The ledger's view for one cycle: positions, working and foreign orders, cooldown clocks, frozen symbols."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal

from bot.domain.account import Position
from bot.domain.foreign_orders import ForeignOrder
from bot.domain.money import ZERO, exact_product
from bot.domain.orders import Order, OrderStatus, Side
from bot.store.db import Database

UNRESOLVED = (OrderStatus.PENDING_SUBMIT, OrderStatus.UNCERTAIN, OrderStatus.UNKNOWN)


@dataclass(frozen=True, slots=True, kw_only=True)
class LedgerView:
    positions: Mapping[str, Position]
    balances: Mapping[str, Decimal]
    working_orders: Sequence[Order]
    last_submit_ms: Mapping[tuple[str, Side], int]
    frozen_symbols: frozenset[str]
    unresolved_buy_notional: Decimal  # quote held back for buys that may exist on the exchange
    foreign_orders: Sequence[ForeignOrder] = ()  # open on the account, not placed by this ledger


def _unresolved_buy(order: Order) -> bool:
    return order.side is Side.BUY and order.status in UNRESOLVED


def read_ledger_view(database: Database, symbols: Sequence[str]) -> LedgerView:
    with database.read() as uow:
        working = uow.orders.working()
        last_submit = {}
        for symbol in symbols:
            for side in Side:
                created = uow.orders.last_created_ms(symbol, side)
                if created is not None:
                    last_submit[(symbol, side)] = created
        return LedgerView(
            positions=uow.positions.all(),
            balances=uow.balances.all(),
            working_orders=working,
            last_submit_ms=last_submit,
            frozen_symbols=frozenset(o.symbol for o in working if o.status is OrderStatus.UNKNOWN),
            unresolved_buy_notional=sum(
                (exact_product(o.price, o.remaining_quantity) for o in working if _unresolved_buy(o)), ZERO
            ),
            foreign_orders=uow.foreign_orders.open(),
        )
