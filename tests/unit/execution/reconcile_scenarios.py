"""Worlds and report sequences for the reconcile property tests, and a driver that plays them.

A world is a few ledger orders (open, cancel requested, or uncertain without an exchange id) and
what the exchange did with them (each order's fate: still open, canceled, filled, or lost, with
its filled quantity split into trades), plus orders and trades the ledger did not place: by hand,
and sometimes in this bot's client order id scheme from another ledger. Each step reports an
arbitrary slice of it: trades split, duplicated, reordered and partly missing; orders listed open
after they closed, or not; lookups that fail; stream deletions in any order, and before or after
the fills that settle the same order. The ledger is a real one, in memory.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from decimal import Decimal as D
from typing import Any

from hypothesis import strategies as st

from bot.domain.account import AccountSnapshot, Balance
from bot.domain.events import EventType
from bot.domain.orders import ExchangeOrder, Fill, Order, OrderStatus, Side
from bot.execution.client_ids import is_bot_client_id
from bot.execution.opening import seed_opening_balances
from bot.execution.reconcile import read_snapshot
from bot.execution.reconcile_core import ReconcileOutcome, reconcile
from bot.execution.reconcile_inputs import ExchangeReports
from bot.store import Database, UnitOfWork
from bot.store.ledger_events import LedgerEvent, from_mapping
from bot.store.repositories import Repositories
from bot.testing import FakeClock
from bot.testing.builders import btctry_rules

FLOOR = 1_700_000_000_000  # the ledger opened here
NOW = FLOOR + 3_600_000
RULES = {"BTCTRY": btctry_rules()}
UNIT = D("0.0001")
PRICE = D("1300000")
OFTEN = st.integers(0, 3).map(bool)  # three times in four
SELDOM = st.integers(0, 3).map(lambda n: n == 3)  # once in four


@dataclass(frozen=True)
class LedgerOrder:
    client_order_id: str
    exchange_order_id: str  # on the exchange; the ledger knows it unless the order is uncertain
    quantity: D
    start: OrderStatus  # in the ledger: OPEN, CANCEL_REQUESTED or UNCERTAIN
    fate: OrderStatus | None  # on the exchange: OPEN, CANCELED or FILLED; None: it lost the order

    def on_exchange(self, status: OrderStatus, *, with_client_id: bool = True) -> ExchangeOrder:
        client_order_id = self.client_order_id if with_client_id else None
        return exchange_order(self.exchange_order_id, client_order_id, self.quantity, status)


@dataclass(frozen=True)
class World:
    orders: tuple[LedgerOrder, ...]
    by_hand: tuple[ExchangeOrder, ...]  # open orders placed by hand: no client id of this bot's scheme
    another_ledgers: tuple[ExchangeOrder, ...]  # open orders in this bot's scheme, not this ledger's
    trades: tuple[Fill, ...]  # every trade the exchange could report


def exchange_order(exchange_order_id: str, client_order_id: str | None, quantity: D, status: OrderStatus):
    return ExchangeOrder(
        exchange_order_id=exchange_order_id,
        client_order_id=client_order_id,
        symbol="BTCTRY",
        side=Side.BUY,
        price=PRICE,
        quantity=quantity,
        remaining_quantity=quantity,
        status=status,
        created_ms=FLOOR,
        updated_ms=FLOOR,
    )


def trade(trade_id: str, exchange_order_id: str, client_order_id: str | None, units: int, ts_ms: int):
    return Fill(
        trade_id=trade_id,
        exchange_order_id=exchange_order_id,
        client_order_id=client_order_id,
        symbol="BTCTRY",
        side=Side.BUY,
        price=PRICE,
        quantity=units * UNIT,
        fee=D(0),
        tax=D(0),
        fee_asset="TRY",
        ts_ms=ts_ms,
    )


@st.composite
def split(draw, total: int, *, whole: bool) -> list[int]:
    """Positive parts summing to `total` (whole) or to less than it."""
    parts, left = [], total if whole else total - 1
    for part in draw(st.lists(st.integers(1, total), min_size=1, max_size=4)):
        if part > left:
            break
        parts.append(part)
        left -= part
    if left and whole:
        parts.append(left)
    return parts


@st.composite
def worlds(draw) -> World:
    orders, by_hand, another_ledgers, trades = [], [], [], []
    for n in range(draw(st.integers(1, 4))):
        units = draw(st.integers(1, 12))
        order = LedgerOrder(
            client_order_id=f"b3-t-1-{n}",
            exchange_order_id=f"e{n}",
            quantity=units * UNIT,
            start=draw(
                st.sampled_from([OrderStatus.OPEN, OrderStatus.CANCEL_REQUESTED, OrderStatus.UNCERTAIN])
            ),
            fate=draw(st.sampled_from([OrderStatus.OPEN, OrderStatus.CANCELED, OrderStatus.FILLED, None])),
        )
        orders.append(order)
        for j, part in enumerate(draw(split(units, whole=order.fate is OrderStatus.FILLED))):
            carries_client_id = draw(st.booleans())  # BTCTurk's trade reports may leave it out
            cid = order.client_order_id if carries_client_id else None
            trades.append(
                trade(f"t{n}-{j}", order.exchange_order_id, cid, part, FLOOR + 1_000 * (n * 10 + j))
            )
    for k in range(draw(st.integers(0, 2))):
        cid = draw(st.sampled_from([None, f"ea7b5bf5-5eb5-41a4-a163-6369{k}"]))
        by_hand.append(exchange_order(f"f{k}", cid, D("0.002"), OrderStatus.OPEN))
        trades.append(trade(f"ft{k}", f"f{k}", None, 3, FLOOR + draw(st.sampled_from([-5_000, 5_000]))))
    if draw(SELDOM):
        cid = "b3-another-1-0"
        another_ledgers.append(exchange_order("x0", cid, D("0.002"), OrderStatus.OPEN))
        trades.append(trade("xt0", "x0", cid, 2, FLOOR + draw(st.sampled_from([-5_000, 5_000]))))
    return World(tuple(orders), tuple(by_hand), tuple(another_ledgers), tuple(trades))


@st.composite
def report_batches(draw, world: World) -> ExchangeReports:
    """One reconcile's reports: an order that is no longer open may still be listed (it has not
    disappeared yet); a lookup may fail; the stream reports some deletions, in any order."""
    listed = [
        o.on_exchange(OrderStatus.OPEN, with_client_id=draw(OFTEN))  # a report may leave it out
        for o in world.orders
        if o.fate is OrderStatus.OPEN or draw(st.booleans())
    ]
    listed += [o for o in world.by_hand if draw(st.booleans())]
    listed += [o for o in world.another_ledgers if not draw(OFTEN)]
    lookups = {
        o.exchange_order_id: None if o.fate is None else o.on_exchange(o.fate)
        for o in world.orders
        if draw(OFTEN)  # else the lookup failed
    }
    deleted = [
        (o.exchange_order_id, UNIT if o.fate is OrderStatus.CANCELED else D(0))
        for o in world.orders
        if o.fate in (OrderStatus.CANCELED, OrderStatus.FILLED) and draw(st.booleans())
    ]
    trades = st.lists(st.sampled_from(world.trades), min_size=1, max_size=12) if world.trades else st.just([])
    return ExchangeReports(
        open_orders=tuple(draw(st.permutations(listed))) if draw(OFTEN) else None,
        trades=tuple(draw(trades))
        if draw(OFTEN)
        else None,  # None: the read failed, or stream deletions only
        lookups=lookups,
        deletions=tuple(draw(st.permutations(deleted))),
    )


@st.composite
def scenarios(draw) -> tuple[World, list[ExchangeReports]]:
    world = draw(worlds())
    return world, draw(st.lists(report_batches(world), min_size=2, max_size=6))


def open_ledger(world: World) -> Database:
    db = Database.in_memory()
    cash = Balance(asset="TRY", total=D(1_000_000), free=D(1_000_000), locked=D(0))
    seed_opening_balances(db, AccountSnapshot(ts_ms=FLOOR, balances={"TRY": cash}), FakeClock(FLOOR))
    with db.unit_of_work() as uow:
        for order in world.orders:
            cid, ts = order.client_order_id, {"ts_ms": FLOOR}
            submit = {
                "cycle_id": 1,
                "symbol": "BTCTRY",
                "side": "buy",
                "price": PRICE,
                "quantity": order.quantity,
            }
            uow.record(
                from_mapping(EventType.ORDER_SUBMIT_REQUESTED, {"client_order_id": cid, **submit, **ts})
            )
            if order.start is OrderStatus.UNCERTAIN:
                uow.record(
                    from_mapping(
                        EventType.ORDER_SUBMIT_UNCERTAIN, {"client_order_id": cid, "message": "t/o", **ts}
                    )
                )
                continue
            uow.record(
                from_mapping(
                    EventType.ORDER_ACCEPTED,
                    {"client_order_id": cid, "exchange_order_id": order.exchange_order_id, **ts},
                )
            )
            if order.start is OrderStatus.CANCEL_REQUESTED:
                uow.record(from_mapping(EventType.ORDER_CANCEL_REQUESTED, {"client_order_id": cid, **ts}))
        uow.commit()
    return db


@dataclass(frozen=True)
class EventFact:
    """One event the core proposed, and the ledger around it as it was recorded."""

    event_type: EventType
    payload: dict[str, Any]
    new: bool  # the ledger took it as new; its own idempotency would have dropped it otherwise
    order_before: Order | None  # the order it is about, or a fill is counted on, just before
    order_after: Order | None


@dataclass(frozen=True)
class Step:
    reports: ExchangeReports
    spec_behind: bool  # the refusal's spec, asked of the ledger (`ledger_lacks_one_of_ours`)
    outcome: ReconcileOutcome
    filled_before: dict[str, D]  # each ledger order's filled quantity when the step began
    recorded: tuple[EventFact, ...] = ()  # empty when refused
    again: ReconcileOutcome | None = None  # the same reports right after; None when refused
    orders_after: tuple[Order, ...] = ()
    fills_after: frozenset[str] = frozenset()
    foreign_after: frozenset[str] = frozenset()  # exchange ids of foreign orders recorded open


def reconcile_against(repos: Repositories, reports: ExchangeReports) -> ReconcileOutcome:
    """The core over the snapshot the shell reads (`read_snapshot`), stamped NOW."""
    known = frozenset(f.trade_id for f in repos.fills.all())
    return reconcile(read_snapshot(repos, reports, known), reports, rules=RULES, now_ms=NOW)


def ledger_lacks_one_of_ours(repos: Repositories, reports: ExchangeReports) -> bool:
    """The refusal's spec, asked of the ledger itself: an open order, or a trade since the ledger
    opened, with a client order id in this bot's scheme that no ledger order accounts for."""

    def lacks(client_order_id: str | None, exchange_order_id: str) -> bool:
        return (
            is_bot_client_id(client_order_id)
            and repos.orders.get(str(client_order_id)) is None
            and repos.orders.by_exchange_id(exchange_order_id) is None
        )

    return any(lacks(o.client_order_id, o.exchange_order_id) for o in reports.open_orders or ()) or any(
        lacks(f.client_order_id, f.exchange_order_id) for f in reports.trades or () if f.ts_ms >= FLOOR
    )


def play(scenario: tuple[World, list[ExchangeReports]]) -> list[Step]:
    """Reconcile each step's reports, record the outcome event by event (unless refused), then
    reconcile the same reports again. Asserts nothing: each property reads the steps."""
    world, batches = scenario
    steps = []
    with open_ledger(world) as db:
        for reports in batches:
            with db.unit_of_work() as uow:
                outcome = reconcile_against(uow, reports)
                step = Step(
                    reports=reports,
                    spec_behind=ledger_lacks_one_of_ours(uow, reports),
                    outcome=outcome,
                    filled_before={o.client_order_id: o.filled_quantity for o in uow.orders.all()},
                )
                if outcome.behind:
                    steps.append(step)  # and the unit of work rolls back
                    continue
                recorded = tuple(_record(uow, event) for event in outcome.events)
                uow.commit()
            with db.read() as repos:
                steps.append(
                    replace(
                        step,
                        recorded=recorded,
                        again=reconcile_against(repos, reports),
                        orders_after=tuple(repos.orders.all()),
                        fills_after=frozenset(f.trade_id for f in repos.fills.all()),
                        foreign_after=frozenset(f.exchange_order_id for f in repos.foreign_orders.open()),
                    )
                )
    return steps


def _record(uow: UnitOfWork, event: LedgerEvent) -> EventFact:
    event_type, payload = event.TYPE, event.payload()
    client_order_id = payload.get("client_order_id")
    if client_order_id is None and event_type is EventType.ORDER_FILLED:
        order = uow.orders.by_exchange_id(payload["exchange_order_id"])  # where the ledger counts it
        client_order_id = None if order is None else order.client_order_id
    order_before = None if client_order_id is None else uow.orders.get(client_order_id)
    new = uow.record(event)
    order_after = None if client_order_id is None else uow.orders.get(client_order_id)
    return EventFact(event_type, payload, new, order_before, order_after)
