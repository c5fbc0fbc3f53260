"""A paper exchange and ledger for reconciliation tests: one BTCTRY market that steps by the minute."""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal as D

from bot.domain.account import AccountSnapshot
from bot.domain.dataset import Dataset, MarketRow
from bot.domain.decisions import Decision, DecisionLayer, ReasonCode, Verdict, approved_actions
from bot.domain.intents import OrderIntent
from bot.domain.orders import ExchangeOrder
from bot.exchange.matching import FeeSchedule, MatchingEngine
from bot.exchange.paper import PaperGateway
from bot.exchange.replay import ReplayMarketData
from bot.execution.executor import Executor, PlannedAction
from bot.execution.observer import NullObserver
from bot.execution.opening import seed_opening_balances
from bot.execution.reconcile import Reconciler
from bot.execution.uncertain import UncertainPolicy, UncertainResolver
from bot.store import Database
from bot.testing import FakeClock
from bot.testing.builders import btctry_rules

T0 = 1_700_000_000_000
CYCLE_MS = 5_000


def row(minute: int, bid: str, ask: str) -> MarketRow:
    return MarketRow(
        ts_ms=T0 + minute * 60_000,
        bid=D(bid),
        ask=D(ask),
        last=D(bid),
        bid_qty=D(1),
        ask_qty=D(1),
        volume=D(1),
    )


DATASET = Dataset(
    name="t",
    step_ms=60_000,
    pairs={"BTCTRY": btctry_rules()},
    rows={
        "BTCTRY": tuple(row(m, "1400000", "1400100") for m in range(2))
        + tuple(row(m, "1398000", "1398100") for m in range(2, 2000))
    },
)


class Forgetful(PaperGateway):
    """A paper exchange that can stop listing orders (it lost them, or was reset) and counts lookups."""

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self.forgotten: set[str] = set()
        self.all_orders_calls = 0

    def open_orders(self, symbol: str | None = None) -> list[ExchangeOrder]:
        return [o for o in super().open_orders(symbol) if o.exchange_order_id not in self.forgotten]

    def all_orders(self, symbol: str, since_ms: int | None = None) -> list[ExchangeOrder]:
        self.all_orders_calls += 1
        orders = super().all_orders(symbol, since_ms)
        return [o for o in orders if o.exchange_order_id not in self.forgotten]


@dataclass
class Parts:
    clock: FakeClock
    gateway: Forgetful
    db: Database
    resolver: UncertainResolver
    executor: Executor
    reconciler: Reconciler
    engine: MatchingEngine = field(repr=False)

    def seed(self) -> None:
        account = AccountSnapshot(ts_ms=self.clock.now_ms(), balances=self.gateway.balances())
        seed_opening_balances(self.db, account, self.clock)

    def reconcile(self) -> None:
        """One cycle's reconcile step, in the cycle's order."""
        open_orders = self.gateway.open_orders()
        self.reconciler.refuse_if_behind(open_orders)
        self.resolver.resolve_all()
        self.reconciler.run(DATASET.pairs, open_orders)

    def event_count(self, event_type: str | None = None) -> int:
        return sum(1 for e in self.db.events.all() if event_type is None or e.type == event_type)


def make_parts(
    db: Database | None = None,
    *,
    engine: MatchingEngine | None = None,
    probe_limit: int = 2,
    window_ms: int = 60_000,
    backoff_max_ms: int = 600_000,
    clock: FakeClock | None = None,
    gateway_class: type[Forgetful] = Forgetful,
) -> Parts:
    clock = clock or FakeClock(T0)
    fresh = engine is None
    engine = engine or MatchingEngine(
        DATASET.pairs, FeeSchedule(maker_rate=D("0.001"), taker_rate=D("0.001"), tax_rate=D(0))
    )
    gateway = gateway_class(
        ReplayMarketData(DATASET, clock),
        engine,
        clock,
        initial_balances={"TRY": D("100000")} if fresh else None,
    )
    db = db or Database.in_memory()
    policy = UncertainPolicy(
        probe_limit=probe_limit, window_ms=window_ms, backoff_base_ms=CYCLE_MS, backoff_max_ms=backoff_max_ms
    )
    resolver = UncertainResolver(gateway=gateway, database=db, clock=clock, policy=policy)
    executor = Executor(gateway=gateway, database=db, clock=clock, observer=NullObserver(), resolver=resolver)
    reconciler = Reconciler(
        gateway=gateway, database=db, clock=clock, observer=NullObserver(), fill_lookback_ms=120_000
    )
    return Parts(clock, gateway, db, resolver, executor, reconciler, engine)


def plan(intent: OrderIntent, client_order_id: str | None, cycle_id: int = 1) -> list[PlannedAction]:
    decision = Decision(
        cycle_id=cycle_id,
        intent=intent,
        verdict=Verdict.APPROVED,
        reason_code=ReasonCode.OK,
        layer=DecisionLayer.RISK_POLICY,
        final_intent=intent,
    )
    return [PlannedAction(a, client_order_id) for a in approved_actions([decision])]
