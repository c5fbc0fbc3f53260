"""The ledger is behind the exchange: orders or trades of this bot that the ledger does not know.

Every order this bot sends is written ahead first, so an order (or a trade) in the bot's client
order id scheme that the ledger lacks means the ledger lost history: its -wal was deleted, a
backup was restored over it, or another ledger trades this account. Trading on would place
orders blind to those, so the reconcile step refuses before any decision and records nothing.

Pure but for `refuse`, which raises: the functions take the ledger's orders as a `KnownOrders`.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Protocol

from bot.domain.orders import ExchangeOrder, Fill, Order, Side
from bot.execution.client_ids import is_bot_client_id
from bot.store.errors import LedgerBehindExchange

RUNBOOK = "runbooks/exchange-and-ledger-disagree.md"
NAMED = 5  # the message names at most this many


@dataclass(frozen=True, slots=True, kw_only=True)
class UnknownToLedger:
    """One order (open on the exchange) or trade of this bot that the ledger has no order for."""

    kind: str  # "open order" or "trade"
    client_order_id: str
    symbol: str
    side: Side


class KnownOrders(Protocol):
    """The ledger's orders by either id (the order repository, or the core's `OrderIndex`)."""

    def get(self, client_order_id: str) -> Order | None: ...

    def by_exchange_id(self, exchange_order_id: str) -> Order | None: ...


def ledger_has(orders: KnownOrders, order: ExchangeOrder) -> bool:
    """Whether a ledger order is this exchange order (by client order id, else exchange id)."""
    if order.client_order_id is not None and orders.get(order.client_order_id) is not None:
        return True
    return orders.by_exchange_id(order.exchange_order_id) is not None


def ledger_client_id(orders: KnownOrders, fill: Fill) -> str | None:
    """The client order id of the ledger order this fill belongs to, if the ledger has it."""
    if fill.client_order_id is not None and orders.get(fill.client_order_id) is not None:
        return fill.client_order_id
    known = orders.by_exchange_id(fill.exchange_order_id)
    return known.client_order_id if known else None


def unknown_open_orders(orders: KnownOrders, open_orders: Sequence[ExchangeOrder]) -> list[UnknownToLedger]:
    """Open orders in this bot's client order id scheme that no ledger order is."""
    return [
        UnknownToLedger(kind="open order", client_order_id=o.client_order_id, symbol=o.symbol, side=o.side)
        for o in open_orders
        if o.client_order_id is not None and is_bot_client_id(o.client_order_id) and not ledger_has(orders, o)
    ]


def unknown_trades(
    fills: Sequence[Fill], owners: Mapping[str, str | None], floor_ms: int
) -> list[UnknownToLedger]:
    """Trades since the ledger opened (`floor_ms`) of bot orders that no ledger order accounts for.

    `owners` maps each trade id to its ledger order's client id (None: the ledger has none).
    Older trades are history the opening balances already hold (a fresh ledger on an old account).
    """
    unknown: dict[str, UnknownToLedger] = {}
    for fill in fills:
        cid = fill.client_order_id
        if cid is None or cid in unknown or fill.ts_ms < floor_ms or not is_bot_client_id(cid):
            continue
        if owners.get(fill.trade_id) is None:
            unknown[cid] = UnknownToLedger(
                kind="trade", client_order_id=cid, symbol=fill.symbol, side=fill.side
            )
    return list(unknown.values())


def refuse(unknown: Sequence[UnknownToLedger], ledger_path: str) -> None:
    """Raise LedgerBehindExchange naming up to NAMED of `unknown`; return when it is empty."""
    if not unknown:
        return
    named = ", ".join(f"{u.client_order_id} ({u.symbol} {u.side.value} {u.kind})" for u in unknown[:NAMED])
    more = f" and {len(unknown) - NAMED} more" if len(unknown) > NAMED else ""
    raise LedgerBehindExchange(
        f"ledger {ledger_path} is behind the exchange: it does not know {len(unknown)} order(s) or"
        f" trade(s) this bot placed: {named}{more}; nothing was traded or recorded for them;"
        f" see {RUNBOOK}"
    )
