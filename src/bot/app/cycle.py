"""One stage-3 cycle: gather -> reconcile -> decide -> check -> record -> act -> record."""

from __future__ import annotations

import logging
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from bot.app.gather import gather_account, gather_market
from bot.app.ledger_view import LedgerView, read_ledger_view
from bot.app.runtime import Runtime
from bot.domain.account import AccountSnapshot
from bot.domain.decisions import Decision, approved_actions
from bot.domain.events import EventType
from bot.domain.intents import SubmitIntent
from bot.domain.market import MarketSnapshot
from bot.domain.orders import OrderStatus
from bot.domain.symbols import PairRules
from bot.exchange.errors import ExchangeError
from bot.execution.client_ids import client_order_id
from bot.execution.executor import PlannedAction
from bot.execution.records import decision_payload
from bot.obs.logging import log_context
from bot.obs.tracing import span
from bot.risk.stage3_policy import CheckContext, check_stage3
from bot.store import StoreError
from bot.strategy.profit_aware import StrategyView, decide

log = logging.getLogger(__name__)
STAGE = "3"


@dataclass(slots=True)
class CycleResult:
    cycle_id: int
    status: str
    counters: dict[str, int] = field(default_factory=dict)
    duration_s: float = 0.0


def run_cycle(rt: Runtime) -> CycleResult:
    started = time.perf_counter()
    cycle_id = _start(rt)
    counters: dict[str, int] = {}
    status = "ok"
    max_age: int | None = None
    with log_context(cycle_id=cycle_id), span("cycle", stage=STAGE, cycle_id=cycle_id):
        try:
            rules = rt.rules(cycle_id)
            market, account = _gather(rt, rules)
            max_age = _max_data_age_ms(market, rt.clock.now_ms())
            counters = _trade(rt, cycle_id, rules, market, account)
            status = "degraded" if market.errors else "ok"
        except ExchangeError as error:
            # Fail closed: without rules, the account or a working exchange, nothing more is sent.
            log.error("exchange unavailable: cycle abandoned safely", extra={"fields": {"error": str(error)}})
            rt.observer.exchange_error(error.endpoint, type(error).__name__)
            status = "degraded"
        except StoreError:
            # The ledger refused a write: stop trading altogether, after saying so in the ledger.
            log.critical("ledger write failed: stopping", exc_info=True)
            _complete(rt, cycle_id, "failed", counters, time.perf_counter() - started, max_age)
            raise
    duration_s = time.perf_counter() - started
    _complete(rt, cycle_id, status, counters, duration_s, max_age)
    return CycleResult(cycle_id=cycle_id, status=status, counters=counters, duration_s=duration_s)


def _start(rt: Runtime) -> int:
    with rt.database.unit_of_work() as uow:
        cycle_id = uow.cycles.last_cycle_id() + 1
        mode = rt.settings.mode
        uow.record(
            EventType.CYCLE_STARTED,
            {"cycle_id": cycle_id, "ts_ms": rt.clock.now_ms(), "stage": STAGE, "mode": mode},
        )
        uow.commit()
    return cycle_id


def _gather(rt: Runtime, rules: Mapping[str, PairRules]) -> tuple[MarketSnapshot, AccountSnapshot]:
    rt.exchange_clock.resync_if_due()
    market = gather_market(
        rt.market,
        rt.settings.universe.symbols,
        rt.settings.market_data.book_depth,
        rt.clock,
        exchange_offset_ms=rt.exchange_clock.offset_ms,
        on_error=lambda error: rt.observer.exchange_error(error.endpoint, type(error).__name__),
    )
    account = gather_account(rt.gateway, rt.clock)
    rt.report_market(market)
    rt.seed_balances_once(account)
    with span("reconcile"):
        return market, _reconcile(rt, rules, account)


def _reconcile(rt: Runtime, rules: Mapping[str, PairRules], account: AccountSnapshot) -> AccountSnapshot:
    rt.resolver.resolve_all()  # first, so fills of a just-found order are linked to it
    if rt.stream is not None:
        rt.reconciler.confirm_deleted(rt.stream.deletions())  # BTCTurk confirms cancels on the stream
    recon = rt.reconciler.run(rules, account.open_orders)  # REST: fills, and the fallback for cancels
    if recon.new_fills:
        account = gather_account(rt.gateway, rt.clock)  # fills changed balances; decide on fresh ones
    return account


def _trade(
    rt: Runtime,
    cycle_id: int,
    rules: Mapping[str, PairRules],
    market: MarketSnapshot,
    account: AccountSnapshot,
) -> dict[str, int]:
    now = rt.clock.now_ms()
    symbols = rt.settings.universe.symbols
    view = read_ledger_view(rt.database, symbols)
    rt.report_unknown_orders(sum(1 for o in view.working_orders if o.status is OrderStatus.UNKNOWN))
    rt.report_drift(view.balances, account)
    intents = decide(
        StrategyView(
            now_ms=now,
            symbols=symbols,
            market=market,
            positions=view.positions,
            working_orders=view.working_orders,
            rules=rules,
        ),
        rt.strategy_params,
    )
    decisions = check_stage3(
        intents, _check_context(rt, cycle_id, now, rules, market, account, view), rt.limits
    )
    planned = _record_decisions(rt, cycle_id, decisions)
    report = rt.executor.execute(cycle_id, planned)
    return {
        "intents": len(intents),
        "approved": sum(1 for d in decisions if d.approved),
        "rejected": sum(1 for d in decisions if not d.approved),
        "submitted": report.submitted,
        "exchange_rejected": report.rejected,
        "uncertain": report.uncertain,
        "cancel_requested": report.cancel_requested,
        "errors": report.errors,
    }


def _check_context(
    rt: Runtime,
    cycle_id: int,
    now: int,
    rules: Mapping[str, PairRules],
    market: MarketSnapshot,
    account: AccountSnapshot,
    view: LedgerView,
) -> CheckContext:
    return CheckContext(
        cycle_id=cycle_id,
        now_ms=now,
        market=market,
        account=account,
        working_orders=view.working_orders,
        last_submit_ms=view.last_submit_ms,
        rules=rules,
        safety=rt.safety(view.frozen_symbols),
        unresolved_buy_notional_try=view.unresolved_buy_notional,
    )


def _record_decisions(rt: Runtime, cycle_id: int, decisions: Sequence[Decision]) -> list[PlannedAction]:
    """Decisions are committed before any action, each approved submit with its client order id."""
    ids: dict[int, str] = {}
    for index, decision in enumerate(decisions):
        if decision.approved and isinstance(decision.final_intent, SubmitIntent):
            ids[index] = client_order_id(
                stage=STAGE, ledger_id=rt.ledger_id, cycle_id=cycle_id, action_index=index
            )
    now = rt.clock.now_ms()
    with rt.database.unit_of_work() as uow:
        for index, decision in enumerate(decisions):
            payload = decision_payload(
                decision, ts_ms=now, action_key=str(index), client_order_id=ids.get(index)
            )
            uow.record(EventType.DECISION_RECORDED, payload)
        uow.commit()
    for index, decision in enumerate(decisions):
        rt.on_decision(STAGE, decision, ids.get(index))
    by_decision = {id(d): ids.get(i) for i, d in enumerate(decisions)}
    return [PlannedAction(a, by_decision[id(a.decision)]) for a in approved_actions(list(decisions))]


def _max_data_age_ms(market: MarketSnapshot, now_ms: int) -> int | None:
    ages = [market.age_ms(symbol, now_ms) for symbol in market.symbols]
    return max(ages) if ages else None


def _complete(
    rt: Runtime,
    cycle_id: int,
    status: str,
    counters: Mapping[str, int],
    duration_s: float,
    max_age: int | None,
) -> None:
    with rt.database.unit_of_work() as uow:
        uow.record(
            EventType.CYCLE_COMPLETED,
            {
                "cycle_id": cycle_id,
                "ts_ms": rt.clock.now_ms(),
                "duration_ms": int(duration_s * 1000),
                "status": status,
                "counters": dict(counters),
                "max_data_age_ms": max_age,
            },
        )
        uow.commit()
    rt.on_cycle_completed(STAGE, status, duration_s)
