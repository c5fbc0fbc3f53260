"""The runtime: every dependency a cycle needs, plus the small shell behaviours around it."""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Protocol

from bot.config import Settings
from bot.cycle.account_reads import AccountReadPlan
from bot.cycle.clocks import SystemClock
from bot.cycle.exchange_clock import ExchangeClock
from bot.cycle.kill_switch import read_kill_switch
from bot.cycle.recent_cycles import RecentCycles
from bot.cycle.stage import StageProfile
from bot.domain.account import AccountSnapshot
from bot.domain.clock import Clock
from bot.domain.decisions import Decision
from bot.domain.intents import SubmitIntent
from bot.domain.market import MarketSnapshot
from bot.domain.symbols import PairRules
from bot.exchange.call_stats import CallTally
from bot.exchange.errors import ExchangeError
from bot.exchange.gateway import ExchangeGateway, MarketDataSource
from bot.execution.balance_drift import BalanceDriftGuard, drift_by_asset
from bot.execution.executor import Executor
from bot.execution.opening import seed_opening_balances
from bot.execution.reconcile import Reconciler
from bot.execution.uncertain import UncertainResolver
from bot.obs.metrics import Metrics
from bot.risk.safety_gate import SafetyState
from bot.store.db import Database

log = logging.getLogger("bot.decisions")
RULES_REFRESH_CYCLES = 100


class StreamReport(Protocol):
    """What the cycle needs of the private/market stream (`bot.app.stream`): cancels it confirmed
    (exchange order id, remaining quantity) and its health, as metrics."""

    def deletions(self) -> list[tuple[str, Decimal]]: ...

    def report(self, metrics: Metrics) -> None: ...


@dataclass(slots=True)
class Runtime:
    settings: Settings
    clock: Clock
    market: MarketDataSource
    gateway: ExchangeGateway
    database: Database
    executor: Executor
    reconciler: Reconciler
    resolver: UncertainResolver
    metrics: Metrics
    observer: MetricsObserver
    stage: StageProfile
    ledger_id: str
    exchange_clock: ExchangeClock
    drift_guard: BalanceDriftGuard
    close_hooks: list[Callable[[], None]] = field(default_factory=list)
    exchange_degraded: Callable[[], bool] = lambda: False
    stream: StreamReport | None = None
    wall: Clock = field(default_factory=SystemClock)  # the operator's clock: kill-switch expiry
    calls: CallTally = field(default_factory=CallTally)  # REST requests since the last cycle drained it
    account_reads: AccountReadPlan = field(default_factory=AccountReadPlan)  # every cycle unless paced
    recent_cycles: RecentCycles = field(init=False)

    def __post_init__(self) -> None:
        self.recent_cycles = RecentCycles(self.database)

    _rules: Mapping[str, PairRules] | None = None

    def rules(self, cycle_id: int) -> Mapping[str, PairRules]:
        """Pair rules: fetched on the first cycle and refreshed every RULES_REFRESH_CYCLES cycles.

        A failed refresh keeps the rules already known; with none known it raises ExchangeError.
        """
        if self._rules is None or cycle_id % RULES_REFRESH_CYCLES == 0:
            try:
                self._rules = self.market.pair_rules()
            except ExchangeError as error:
                if self._rules is None:
                    raise
                log.warning(
                    "pair rules refresh failed; keeping the last ones",
                    extra={"fields": {"error": str(error)}},
                )
        return self._rules

    def safety(
        self,
        frozen_symbols: frozenset[str],
        *,
        balance_drift: bool = False,
        foreign_open: bool = False,
        account_fresh: bool = True,
    ) -> SafetyState:
        """The gate's inputs; `foreign_open` stops submits only if reconcile.foreign_orders = "halt"."""
        s = self.settings
        kill_switch = s.safety.kill_switch or read_kill_switch(self.database).engaged(self.wall.now_ms())
        self.metrics.kill_switch_engaged.set(1 if kill_switch else 0)
        return SafetyState(
            live=s.mode == "live",
            live_armed=s.safety.live_armed,
            dry_run=s.safety.dry_run,
            kill_switch=kill_switch,
            max_data_age_ms=s.market_data.max_age_ms,
            frozen_symbols=frozen_symbols,
            exchange_degraded=self.exchange_degraded(),
            balance_drift=balance_drift,
            foreign_orders_halt=foreign_open and s.reconcile.foreign_orders == "halt",
            account_fresh=account_fresh,
        )

    def seed_balances_once(self, account: AccountSnapshot) -> None:
        seed_opening_balances(self.database, account, self.clock)

    def report_drift(self, ledger_balances: Mapping[str, Decimal], account: AccountSnapshot) -> bool:
        """Ledger total minus exchange total per asset, as a gauge every cycle; True while drift
        beyond `reconcile.balance_drift_*` freezes new submits (logged and recorded once per change)."""
        exchange_totals = {asset: balance.total for asset, balance in account.balances.items()}
        for asset, drift in drift_by_asset(ledger_balances, exchange_totals).items():
            self.metrics.ledger_balance_drift.labels(asset=asset).set(float(drift))
        return self.drift_guard.assess(ledger_balances, exchange_totals)

    def report_market(self, market: MarketSnapshot) -> None:
        self.metrics.exchange_degraded.set(1 if self.exchange_degraded() else 0)
        if self.stream is not None:
            self.stream.report(self.metrics)
        now = self.clock.now_ms()
        for symbol in market.symbols:
            self.metrics.market_data_age_seconds.labels(symbol=symbol).set(market.age_ms(symbol, now) / 1000)

    def on_decision(self, stage: str, decision: Decision, client_order_id: str | None) -> None:
        intent = decision.intent
        fields: dict[str, object] = {
            "cycle_id": decision.cycle_id,
            "symbol": intent.symbol,
            "side": intent.side.value,
            "kind": intent.kind.value,
            "verdict": decision.verdict.value,
            "reason_code": decision.reason_code.value,
            "layer": decision.layer.value,
            "client_order_id": client_order_id,
            "rationale": intent.rationale,
            **{f"detail.{k}": v for k, v in decision.details.items()},
        }
        if isinstance(intent, SubmitIntent):
            fields.update(price=str(intent.price), quantity=str(intent.quantity))
        if isinstance(decision.final_intent, SubmitIntent):
            fields["final_quantity"] = str(decision.final_intent.quantity)
        log.info("decision", extra={"fields": fields})
        self.metrics.decisions_total.labels(
            stage=stage,
            verdict=decision.verdict.value,
            reason_code=decision.reason_code.value,
            layer=decision.layer.value,
        ).inc()

    def report_unknown_orders(self, count: int) -> None:
        self.metrics.orders_unknown.set(count)

    def on_cycle_completed(
        self, stage: str, status: str, duration_s: float, counters: Mapping[str, int] | None = None
    ) -> None:
        counters = counters or {}
        if "submit_ms_max" in counters:
            self.metrics.submit_latency_seconds.observe(counters["submit_ms_max"] / 1000)
        if "reconcile_lag_ms_max" in counters:
            self.metrics.reconcile_lag_seconds.observe(counters["reconcile_lag_ms_max"] / 1000)
        self.metrics.cycle_duration_seconds.labels(stage=stage).observe(duration_s)
        self.metrics.cycles_total.labels(stage=stage, status=status).inc()
        self.metrics.last_cycle_timestamp_seconds.set(self.clock.now_ms() / 1000)

    def close(self) -> None:
        for hook in reversed(self.close_hooks):
            hook()


class MetricsObserver:
    """Adapts execution's observer port to Prometheus metrics."""

    def __init__(self, metrics: Metrics) -> None:
        self._m = metrics

    def order_submitted(self, symbol: str, side: str) -> None:
        self._m.orders_submitted_total.labels(symbol=symbol, side=side).inc()

    def order_filled(self, symbol: str, side: str) -> None:
        self._m.orders_filled_total.labels(symbol=symbol, side=side).inc()

    def order_canceled(self, symbol: str, reason: str) -> None:
        self._m.orders_canceled_total.labels(symbol=symbol, reason=reason).inc()

    def submit_uncertain(self) -> None:
        self._m.order_submit_uncertain_total.inc()

    def exchange_error(self, endpoint: str, error_class: str) -> None:
        self._m.exchange_request_errors_total.labels(endpoint=endpoint, error_class=error_class).inc()
