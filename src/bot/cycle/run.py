"""One cycle of any stage: gather -> reconcile -> decide -> check -> record -> act -> record.

What decide and check mean is the runtime's stage profile (`bot.cycle.stage`).
"""

from __future__ import annotations

import logging
import time
from collections.abc import Mapping
from dataclasses import dataclass, field

from bot.cycle.gather import gather_account, gather_market
from bot.cycle.ledger_view import read_ledger_view
from bot.cycle.runtime import Runtime
from bot.cycle.stage import CycleInputs, StagePlan
from bot.domain.account import AccountSnapshot
from bot.domain.cycles import CycleStatus
from bot.domain.decisions import approved_actions
from bot.domain.intents import SubmitIntent
from bot.domain.market import MarketSnapshot
from bot.domain.orders import OrderStatus
from bot.domain.symbols import PairRules
from bot.exchange.call_stats import cycle_counters
from bot.exchange.errors import ExchangeError
from bot.execution.client_ids import client_order_id
from bot.execution.executor import PlannedAction
from bot.execution.records import decision_recorded
from bot.obs.logging import log_context
from bot.obs.tracing import span
from bot.store import StoreError
from bot.store.ledger_events import CycleCompleted, CycleStarted

log = logging.getLogger(__name__)


@dataclass(slots=True)
class CycleResult:
    cycle_id: int
    status: CycleStatus
    counters: dict[str, int] = field(default_factory=dict)
    duration_s: float = 0.0


@dataclass(slots=True)
class Measures:
    """What a cycle measures for the SLOs (`bot.slo`), recorded compactly with its counters: a
    key only when it has something to say, so an idle replay cycle records nothing more."""

    reconciled: bool = False  # the REST reconcile ran to the end without an error
    reconcile_lag_ms: int | None = None  # None: no new fill this cycle, nothing to measure
    unknown_orders: int = 0
    balance_drift: bool = False
    account_fresh: bool = True  # False: the last account read was reused (paced reads)

    def counters(self) -> dict[str, int]:
        found = {
            "account_deferred": int(not self.account_fresh),
            "reconciled": int(self.reconciled),
            "unknown_orders": self.unknown_orders,
            "balance_drift": int(self.balance_drift),
        }
        lag = {} if self.reconcile_lag_ms is None else {"reconcile_lag_ms_max": self.reconcile_lag_ms}
        return {key: value for key, value in found.items() if value} | lag


def run_cycle(rt: Runtime) -> CycleResult:
    started = time.perf_counter()
    cycle_id = _start(rt)
    counters: dict[str, int] = {}
    status = CycleStatus.OK
    max_age: int | None = None
    measures = Measures()
    with log_context(cycle_id=cycle_id), span("cycle", stage=rt.stage.name, cycle_id=cycle_id):
        try:
            rules = rt.rules(cycle_id)
            market, account = _gather(rt, rules, measures)
            max_age = _max_data_age_ms(market, rt.clock.now_ms())
            counters = _trade(rt, cycle_id, rules, market, account, measures)
            status = CycleStatus.DEGRADED if market.errors else CycleStatus.OK
        except ExchangeError as error:
            # Fail closed: without rules, the account or a working exchange, nothing more is sent.
            log.error("exchange unavailable: cycle abandoned safely", extra={"fields": {"error": str(error)}})
            rt.observer.exchange_error(error.endpoint, type(error).__name__)
            status = CycleStatus.DEGRADED
        except StoreError as error:
            # The ledger refused a write or holds state that no longer reads: stop trading
            # altogether, after saying so in the ledger.
            # No traceback: the error names the problem and the command prints it as one line.
            log.critical("ledger error: stopping", extra={"fields": {"error": str(error)}})
            counters = {**counters, **measures.counters()}
            _complete(rt, cycle_id, CycleStatus.FAILED, counters, time.perf_counter() - started, max_age)
            raise
        duration_s = time.perf_counter() - started
        counters = {**counters, **measures.counters()}
        _complete(rt, cycle_id, status, counters, duration_s, max_age)  # in the cycle's span and trace
    return CycleResult(cycle_id=cycle_id, status=status, counters=counters, duration_s=duration_s)


def _start(rt: Runtime) -> int:
    with rt.database.unit_of_work() as uow:
        cycle_id = uow.cycles.last_cycle_id() + 1
        mode = rt.settings.mode
        uow.record(CycleStarted(cycle_id=cycle_id, stage=rt.stage.name, mode=mode, ts_ms=rt.clock.now_ms()))
        uow.commit()
    return cycle_id


def _gather(
    rt: Runtime, rules: Mapping[str, PairRules], measures: Measures
) -> tuple[MarketSnapshot, AccountSnapshot]:
    with span("gather"):
        market, account = _read(rt, measures)
    with span("reconcile"):
        return market, _reconcile(rt, rules, account, measures)


def _read(rt: Runtime, measures: Measures) -> tuple[MarketSnapshot, AccountSnapshot]:
    rt.exchange_clock.resync_if_due()
    market = gather_market(
        rt.market,
        rt.stage.symbols(),
        rt.settings.market_data.book_depth,
        rt.clock,
        exchange_offset_ms=rt.exchange_clock.offset_ms,
        on_error=lambda error: rt.observer.exchange_error(error.endpoint, type(error).__name__),
    )
    account = _account(rt, measures)
    rt.report_market(market)
    rt.seed_balances_once(account)
    return market, account


def _account(rt: Runtime, measures: Measures) -> AccountSnapshot:
    """Balances and open orders read now, or (paced reads, between two reads the rate limits
    allow) the last read again: then the cycle is not fresh (`bot.cycle.account_reads`)."""
    plan = rt.account_reads
    if not plan.due() and plan.last is not None:
        measures.account_fresh = False
        return plan.last
    account = gather_account(rt.gateway, rt.clock)
    plan.read(account)
    return account


def _reconcile(
    rt: Runtime, rules: Mapping[str, PairRules], account: AccountSnapshot, measures: Measures
) -> AccountSnapshot:
    fresh = measures.account_fresh
    # Before anything is recorded: the exchange holding orders of ours the ledger lacks stops it all.
    if fresh:
        rt.reconciler.refuse_if_behind(account.open_orders)
    rt.resolver.resolve_all()  # first, so fills of a just-found order are linked to it
    if rt.stream is not None:
        rt.reconciler.confirm_deleted(rt.stream.deletions())  # BTCTurk confirms cancels on the stream
    if not fresh:  # fills and the open-order list wait for the next account read
        return account
    recon = rt.reconciler.run(rules, account.open_orders)  # REST: fills, and the fallback for cancels
    measures.reconciled = recon.errors == 0
    if recon.new_fills:
        measures.reconcile_lag_ms = recon.lag_ms_max
    if recon.new_fills:
        account = gather_account(rt.gateway, rt.clock)  # fills changed balances; decide on fresh ones
        rt.account_reads.read(account)
    return account


def _trade(
    rt: Runtime,
    cycle_id: int,
    rules: Mapping[str, PairRules],
    market: MarketSnapshot,
    account: AccountSnapshot,
    measures: Measures,
) -> dict[str, int]:
    view = read_ledger_view(rt.database, rt.stage.symbols())
    measures.unknown_orders = sum(1 for o in view.working_orders if o.status is OrderStatus.UNKNOWN)
    rt.report_unknown_orders(measures.unknown_orders)
    # Drift is judged on a fresh read; a cycle that reused the last one keeps the freeze as it stands.
    drifted = rt.report_drift(view.balances, account) if measures.account_fresh else rt.drift_guard.frozen
    measures.balance_drift = drifted
    inputs = CycleInputs(
        cycle_id=cycle_id,
        now_ms=rt.clock.now_ms(),
        rules=rules,
        market=market,
        account=account,
        view=view,
        safety=rt.safety(
            view.frozen_symbols,
            balance_drift=drifted,
            foreign_open=bool(view.foreign_orders),
            account_fresh=measures.account_fresh,
        ),
        recent_cycles=rt.recent_cycles,
    )
    with span("decide"):  # the stage's check runs inside its plan, in a "check" span
        plan = rt.stage.plan(inputs)
    with span("record", what="decisions"):
        planned = _record_decisions(rt, cycle_id, plan)
    with span("act", actions=len(planned)):
        report = rt.executor.execute(cycle_id, planned)
    decisions = plan.decisions
    return {
        "intents": plan.intents,
        "approved": sum(1 for d in decisions if d.approved),
        "rejected": sum(1 for d in decisions if not d.approved),
        "submitted": report.submitted,
        "exchange_rejected": report.rejected,
        "uncertain": report.uncertain,
        "cancel_requested": report.cancel_requested,
        "errors": report.errors,
        **(
            {"submit_ms_max": report.submit_ms_max}
            if report.submitted + report.rejected + report.uncertain
            else {}
        ),
        **plan.notes,
    }


def _record_decisions(rt: Runtime, cycle_id: int, plan: StagePlan) -> list[PlannedAction]:
    """Decisions (and the stage's state) are committed before any action, each approved submit
    with its client order id."""
    decisions = plan.decisions
    stage = rt.stage.name
    ids: dict[int, str] = {}
    for index, decision in enumerate(decisions):
        if decision.approved and isinstance(decision.final_intent, SubmitIntent):
            ids[index] = client_order_id(
                stage=stage, ledger_id=rt.ledger_id, cycle_id=cycle_id, action_index=index
            )
    now = rt.clock.now_ms()
    with rt.database.unit_of_work() as uow:
        for index, decision in enumerate(decisions):
            uow.record(
                decision_recorded(decision, ts_ms=now, action_key=str(index), client_order_id=ids.get(index))
            )
        plan.record_state(uow)
        uow.commit()
    plan.after_commit()
    for index, decision in enumerate(decisions):
        rt.on_decision(stage, decision, ids.get(index))
    by_decision = {id(d): ids.get(i) for i, d in enumerate(decisions)}
    return [PlannedAction(a, by_decision[id(a.decision)]) for a in approved_actions(list(decisions))]


def _max_data_age_ms(market: MarketSnapshot, now_ms: int) -> int | None:
    ages = [market.age_ms(symbol, now_ms) for symbol in market.symbols]
    return max(ages) if ages else None


def _complete(
    rt: Runtime,
    cycle_id: int,
    status: CycleStatus,
    counters: Mapping[str, int],
    duration_s: float,
    max_age: int | None,
) -> None:
    duration_ms = int(duration_s * 1000)
    counters = {**counters, **cycle_counters(rt.calls.drain())}
    with span("record", what="completion"), rt.database.unit_of_work() as uow:
        uow.record(
            CycleCompleted(
                cycle_id=cycle_id,
                status=status.value,
                duration_ms=duration_ms,
                counters=dict(counters),
                max_data_age_ms=max_age,
                ts_ms=rt.clock.now_ms(),
            )
        )
        uow.commit()
    rt.recent_cycles.completed(cycle_id, status, duration_ms, dict(counters))
    rt.on_cycle_completed(rt.stage.name, status, duration_s, counters)
