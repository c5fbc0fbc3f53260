"""The executor and reconciler over a paper account: write-ahead, fills, cancels, escalation."""

from __future__ import annotations

from decimal import Decimal as D

import pytest

from bot.cycle.ledger_view import read_ledger_view
from bot.domain.account import AccountSnapshot
from bot.domain.dataset import Dataset, MarketRow
from bot.domain.decisions import Decision, DecisionLayer, ReasonCode, Verdict, approved_actions
from bot.domain.events import EventType
from bot.domain.intents import CancelIntent, OrderIntent, SubmitIntent
from bot.domain.orders import OrderStatus, Side, SubmitAck, SubmitOrder
from bot.exchange.errors import Transient, UncertainOutcome
from bot.exchange.matching import FeeSchedule, MatchingEngine
from bot.exchange.paper import PaperGateway
from bot.exchange.replay import ReplayMarketData
from bot.execution.executor import Executor, PlannedAction
from bot.execution.observer import NullObserver
from bot.execution.opening import seed_opening_balances
from bot.execution.operator import CannotResolve, resolve_not_placed
from bot.execution.reconcile import Reconciler
from bot.execution.uncertain import UncertainPolicy, UncertainResolver
from bot.store import Database, verify_ledger
from bot.store.ledger_events import from_mapping
from bot.testing import FakeClock
from bot.testing.builders import btctry_rules

T0 = 1_700_000_000_000


def row(minute: int, bid: str, ask: str) -> MarketRow:
    return MarketRow(
        ts_ms=T0 + minute * 60_000,
        bid=D(bid),
        ask=D(ask),
        last=D(bid),
        bid_qty=D("1"),
        ask_qty=D("1"),
        volume=D("1"),
    )


DATASET = Dataset(
    name="t",
    step_ms=60_000,
    pairs={"BTCTRY": btctry_rules()},
    rows={
        "BTCTRY": (row(0, "1400000", "1400100"), row(1, "1399000", "1399500"), row(2, "1398000", "1398100"))
    },
)


class LosesSubmits(PaperGateway):
    """A gateway whose submits never arrive and whose answer is lost: the worst case."""

    def submit_order(self, order: SubmitOrder) -> SubmitAck:
        raise UncertainOutcome("timed out after sending", endpoint="POST /api/v1/order")


@pytest.fixture
def env():
    clock = FakeClock(T0)
    engine = MatchingEngine(
        DATASET.pairs, FeeSchedule(maker_rate=D("0.001"), taker_rate=D("0.001"), tax_rate=D(0))
    )
    gateway = PaperGateway(
        ReplayMarketData(DATASET, clock), engine, clock, initial_balances={"TRY": D("10000")}
    )
    db = Database.in_memory()
    with db.unit_of_work() as uow:
        uow.record(from_mapping(EventType.BALANCES_SEEDED, {"ts_ms": T0, "balances": {"TRY": D("10000")}}))
        uow.commit()
    yield clock, gateway, db
    db.close()


def parts(clock, gateway, db, probe_limit=2):
    resolver = UncertainResolver(
        gateway=gateway,
        database=db,
        clock=clock,
        policy=UncertainPolicy(probe_limit=probe_limit, window_ms=60_000),
    )
    executor = Executor(gateway=gateway, database=db, clock=clock, observer=NullObserver(), resolver=resolver)
    reconciler = Reconciler(
        gateway=gateway, database=db, clock=clock, observer=NullObserver(), fill_lookback_ms=60_000
    )
    return executor, reconciler, resolver


def plan(intent: OrderIntent, client_order_id: str | None) -> list[PlannedAction]:
    decision = Decision(
        cycle_id=1,
        intent=intent,
        verdict=Verdict.APPROVED,
        reason_code=ReasonCode.OK,
        layer=DecisionLayer.RISK_POLICY,
        final_intent=intent,
    )
    return [PlannedAction(a, client_order_id) for a in approved_actions([decision])]


BUY = SubmitIntent(symbol="BTCTRY", side=Side.BUY, price=D("1399500"), quantity=D("0.001"))


def test_submit_rests_then_fills_when_the_market_crosses_and_fills_are_ingested_once(env):
    clock, gateway, db = env
    executor, reconciler, _ = parts(clock, gateway, db)
    report = executor.execute(1, plan(BUY, "b3-t-1-0"))
    assert report.submitted == 1
    assert db.orders.get("b3-t-1-0").status is OrderStatus.OPEN

    clock.advance(60_000)  # ask falls to 1399500: the resting buy crosses
    rules = DATASET.pairs
    first = reconciler.run(rules, gateway.open_orders())
    again = reconciler.run(rules, gateway.open_orders())
    assert (first.new_fills, again.new_fills) == (1, 0)
    order = db.orders.get("b3-t-1-0")
    assert order.status is OrderStatus.FILLED
    fee = D("1.3995")  # 0.1 % of 1399.5
    assert db.balances.all() == {"TRY": D("10000") - D("1399.5") - fee, "BTC": D("0.001")}
    assert {a: b.total for a, b in gateway.balances().items() if b.total} == db.balances.all()


def test_a_business_rejection_is_recorded_and_nothing_is_retried(env):
    clock, gateway, db = env
    executor, _, _ = parts(clock, gateway, db)
    tiny = SubmitIntent(symbol="BTCTRY", side=Side.BUY, price=D("1399500"), quantity=D("0.00001"))
    report = executor.execute(1, plan(tiny, "b3-t-1-0"))
    assert report.rejected == 1
    assert db.orders.get("b3-t-1-0").status is OrderStatus.REJECTED
    assert gateway.open_orders() == []


def test_cancel_is_requested_then_confirmed_by_reconciliation(env):
    clock, gateway, db = env
    executor, reconciler, _ = parts(clock, gateway, db)
    low = SubmitIntent(symbol="BTCTRY", side=Side.BUY, price=D("1300000"), quantity=D("0.001"))
    executor.execute(1, plan(low, "b3-t-1-0"))
    cancel = CancelIntent(symbol="BTCTRY", side=Side.BUY, client_order_id="b3-t-1-0", rationale="ttl")
    assert executor.execute(2, plan(cancel, None)).cancel_requested == 1
    assert db.orders.get("b3-t-1-0").status is OrderStatus.CANCEL_REQUESTED
    reconciler.run(DATASET.pairs, gateway.open_orders())
    assert db.orders.get("b3-t-1-0").status is OrderStatus.CANCELED
    assert gateway.balances()["TRY"].locked == 0


def test_an_order_never_found_becomes_unknown_and_freezes_its_symbol(env):
    clock, gateway, db = env
    lossy = LosesSubmits(gateway._market, gateway._engine, clock)
    executor, _, resolver = parts(clock, lossy, db, probe_limit=2)
    report = executor.execute(1, plan(BUY, "b3-t-1-0"))
    assert report.uncertain == 1
    assert db.orders.get("b3-t-1-0").status is OrderStatus.UNCERTAIN
    clock.advance(30_000)
    resolver.resolve_all()
    assert db.orders.get("b3-t-1-0").status is OrderStatus.UNCERTAIN  # window not over yet
    clock.advance(60_000)
    assert resolver.resolve_all() == 1
    assert db.orders.get("b3-t-1-0").status is OrderStatus.UNKNOWN
    view = read_ledger_view(db, ["BTCTRY"])
    assert view.frozen_symbols == frozenset({"BTCTRY"})
    assert [o.client_order_id for o in view.working_orders] == ["b3-t-1-0"]  # still counts against caps
    assert lossy.open_orders() == []  # and it was never sent again


def test_trade_history_from_before_the_ledger_opened_is_not_applied_again(env):
    clock, gateway, _ = env
    db = Database.in_memory()
    _executor, reconciler, _ = parts(clock, gateway, db)
    # The operator bought by hand before the bot existed: a taker fill at the current ask.
    gateway.submit_order(
        SubmitOrder(
            client_order_id=None, symbol="BTCTRY", side=Side.BUY, price=D("1400100"), quantity=D("0.001")
        )
    )
    clock.advance(1_000)
    account = AccountSnapshot(ts_ms=clock.now_ms(), balances=gateway.balances())
    assert seed_opening_balances(db, account, clock)
    assert not seed_opening_balances(db, account, clock)
    report = reconciler.run(DATASET.pairs, gateway.open_orders())
    assert report.new_fills == 0
    assert db.balances.all() == {a: b.total for a, b in gateway.balances().items() if b.total}
    assert db.positions.all() == {}
    db.close()


class FailsFirstCancel(PaperGateway):
    failures = 1

    def cancel_order(self, exchange_order_id: str) -> None:
        if self.failures:
            self.failures -= 1
            raise Transient("connection reset", endpoint="DELETE /api/v1/order")
        super().cancel_order(exchange_order_id)


def test_a_cancel_that_did_not_arrive_is_sent_again_next_time(env):
    clock, gateway, db = env
    flaky = FailsFirstCancel(gateway._market, gateway._engine, clock)
    executor, reconciler, _ = parts(clock, flaky, db)
    low = SubmitIntent(symbol="BTCTRY", side=Side.BUY, price=D("1300000"), quantity=D("0.001"))
    executor.execute(1, plan(low, "b3-t-1-0"))
    cancel = CancelIntent(symbol="BTCTRY", side=Side.BUY, client_order_id="b3-t-1-0", rationale="ttl")
    assert executor.execute(2, plan(cancel, None)).errors == 1
    assert len(flaky.open_orders()) == 1
    assert executor.execute(3, plan(cancel, None)).errors == 0
    assert flaky.open_orders() == []
    reconciler.run(DATASET.pairs, flaky.open_orders())
    assert db.orders.get("b3-t-1-0").status is OrderStatus.CANCELED


def test_a_fill_seen_before_its_order_was_found_is_linked_when_it_is(env):
    _clock, _gateway, db = env
    with db.unit_of_work() as uow:
        uow.record(
            from_mapping(
                EventType.ORDER_SUBMIT_REQUESTED,
                {
                    "client_order_id": "b3-t-1-0",
                    "cycle_id": 1,
                    "ts_ms": T0,
                    "symbol": "BTCTRY",
                    "side": "buy",
                    "price": D("1400100"),
                    "quantity": D("0.001"),
                },
            )
        )
        uow.record(
            from_mapping(
                EventType.ORDER_SUBMIT_UNCERTAIN,
                {"client_order_id": "b3-t-1-0", "ts_ms": T0, "message": "t/o"},
            )
        )
        uow.record(
            from_mapping(
                EventType.ORDER_FILLED,
                {
                    "trade_id": "77",
                    "client_order_id": None,
                    "exchange_order_id": "9",
                    "symbol": "BTCTRY",
                    "base": "BTC",
                    "quote": "TRY",
                    "side": "buy",
                    "price": D("1400100"),
                    "quantity": D("0.001"),
                    "fee": D("1.4001"),
                    "tax": D("0"),
                    "fee_asset": "TRY",
                    "ts_ms": T0,
                },
            )
        )
        uow.record(
            from_mapping(
                EventType.ORDER_ACCEPTED,
                {"client_order_id": "b3-t-1-0", "exchange_order_id": "9", "ts_ms": T0},
            )
        )
        uow.commit()
    order = db.orders.get("b3-t-1-0")
    assert (order.status, order.filled_quantity) == (OrderStatus.FILLED, D("0.001"))
    assert verify_ledger(db).ok


def test_an_operator_settles_an_unknown_order_only_after_a_last_lookup(env):
    clock, gateway, db = env
    lossy = LosesSubmits(gateway._market, gateway._engine, clock)
    executor, _, resolver = parts(clock, lossy, db, probe_limit=1)
    executor.execute(1, plan(BUY, "b3-t-1-0"))
    clock.advance(120_000)
    resolver.resolve_all()
    assert db.orders.get("b3-t-1-0").status is OrderStatus.UNKNOWN

    status = resolve_not_placed(db, resolver, clock, "b3-t-1-0", "not in the exchange history")
    assert status is OrderStatus.REJECTED
    assert read_ledger_view(db, ["BTCTRY"]).frozen_symbols == frozenset()
    with pytest.raises(CannotResolve, match="only unknown orders"):
        resolve_not_placed(db, resolver, clock, "b3-t-1-0", "again")
    assert verify_ledger(db).ok
