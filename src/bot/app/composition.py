"""The composition root: settings in, a ready Runtime out. The only place adapters are chosen."""

from __future__ import annotations

import logging
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass

import bot
from bot.app.datasets import load_configured_dataset
from bot.app.ledger_keys import LEDGER_ID_KEY, REPLAY_CLOCK_KEY
from bot.app.market_sources import ExchangeGuards, build_adapters
from bot.app.read_budget import account_read_interval_ms
from bot.app.wiring import Wiring
from bot.config import Settings
from bot.cycle.account_reads import AccountReadPlan
from bot.cycle.clocks import ReplayClock, SystemClock
from bot.cycle.exchange_clock import ExchangeClock
from bot.cycle.runtime import MetricsObserver, Runtime
from bot.cycle.stage_profiles import stage_profile
from bot.domain.clock import Clock
from bot.domain.cycles import CycleStatus
from bot.domain.dataset import Dataset
from bot.exchange.btcturk.requests import ENDPOINTS
from bot.exchange.call_stats import OUTCOMES
from bot.exchange.errors import ERROR_CLASSES
from bot.execution.balance_drift import BalanceDriftGuard, DriftTolerance
from bot.execution.executor import Executor
from bot.execution.reconcile import Reconciler
from bot.execution.uncertain import UncertainPolicy, UncertainResolver
from bot.obs.metrics import KnownLabels, Metrics
from bot.obs.tracing import record_span
from bot.slo import SLO_NAMES
from bot.store.db import Database
from bot.store.ledger_events import StateChanged

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class Built:
    runtime: Runtime
    # Replay runs step their own clock; returns False when the dataset is exhausted.
    advance: Callable[[], bool] | None


def build_runtime(
    settings: Settings, database: Database, metrics: Metrics, stage: str = "3", wiring: Wiring | None = None
) -> Built:
    """`wiring`: a drill's clock and in-process exchange (`bot.app.wiring`); None for every other run."""
    database.observe_commits(lambda seconds: record_span("ledger.commit", seconds))  # while tracing
    dataset = load_configured_dataset(settings) if settings.market_data.source == "replay" else None
    clock, advance, guards = _time_and_guards(settings, database, dataset, metrics, wiring)
    adapters = build_adapters(settings, clock, database, dataset, guards, metrics, wiring)
    market, gateway = adapters.market, adapters.gateway
    observer = MetricsObserver(metrics)
    exchange_clock = ExchangeClock(
        clock,
        adapters.measure_clock,
        resync_interval_ms=int(settings.exchange.clock_sync_interval_s * 1000),
        max_skew_ms=settings.exchange.max_clock_skew_ms,
        metrics=metrics,
    )
    exchange_clock.resync_if_due()  # before the first signed request
    resolver = UncertainResolver(
        gateway=gateway,
        database=database,
        clock=clock,
        policy=UncertainPolicy(
            probe_limit=settings.execution.uncertain_probe_limit,
            window_ms=settings.execution.uncertain_window_ms,
            backoff_base_ms=int(settings.loop.cycle_seconds * 1000),
            backoff_max_ms=settings.reconcile.unknown_probe_max_interval_ms,
        ),
    )
    runtime = Runtime(
        settings=settings,
        clock=clock,
        market=market,
        gateway=gateway,
        database=database,
        executor=Executor(
            gateway=gateway, database=database, clock=clock, observer=observer, resolver=resolver
        ),
        reconciler=Reconciler(
            gateway=gateway,
            database=database,
            clock=clock,
            observer=observer,
            fill_lookback_ms=settings.execution.fill_lookback_ms,
        ),
        resolver=resolver,
        metrics=metrics,
        observer=observer,
        stage=stage_profile(settings, stage, database, metrics, lambda: exchange_clock.offset_ms),
        ledger_id=_ledger_id(database),
        exchange_clock=exchange_clock,
        drift_guard=BalanceDriftGuard(
            database=database,
            clock=clock,
            tolerance=DriftTolerance(
                ratio=settings.reconcile.balance_drift_ratio,
                absolute=settings.reconcile.balance_drift_abs,
                cycles=settings.reconcile.balance_drift_cycles,
            ),
        ),
        close_hooks=adapters.closers,
        stream=adapters.stream,
        exchange_degraded=lambda: guards.breaker.degraded,
        calls=guards.calls,
        account_reads=_account_reads(settings, wiring),
    )
    metrics.build_info.labels(version=bot.__version__, stage=stage, mode=settings.mode).set(1)
    metrics.initialise(
        KnownLabels(
            stage=stage,
            cycle_statuses=tuple(status.value for status in CycleStatus if status is not CycleStatus.RUNNING),
            endpoints=ENDPOINTS,
            outcomes=OUTCOMES,
            error_classes=ERROR_CLASSES,
            symbols=tuple(settings.universe.symbols),
            slos=SLO_NAMES,
        )
    )
    metrics.ledger_info.labels(ledger_id=runtime.ledger_id).set(1)
    return Built(runtime=runtime, advance=advance)


def _time_and_guards(
    settings: Settings, database: Database, dataset: Dataset | None, metrics: Metrics, wiring: Wiring | None
) -> tuple[Clock, Callable[[], bool] | None, ExchangeGuards]:
    """The run's clock, what moves it between cycles (None: the wall moves it), and the guards
    every client shares: a drill's own (`wiring`), else the replay's or the wall's."""
    if wiring is not None:
        guards = ExchangeGuards.from_settings(
            settings, metrics, monotonic=wiring.monotonic, listeners=wiring.observers
        )
        return wiring.clock, wiring.advance, guards
    clock, advance = _clock_for(dataset, settings, database)
    return clock, advance, ExchangeGuards.from_settings(settings, metrics)


def _account_reads(settings: Settings, wiring: Wiring | None) -> AccountReadPlan:
    """Paced on real time, or on a drill's clock: its time is what the rate limits count there."""
    interval_ms = account_read_interval_ms(settings)
    if wiring is None:
        return AccountReadPlan(interval_ms=interval_ms)
    monotonic = wiring.monotonic
    return AccountReadPlan(interval_ms=interval_ms, monotonic_ms=lambda: round(monotonic() * 1000))


def _ledger_id(database: Database) -> str:
    with database.unit_of_work() as uow:
        existing = uow.state.get(LEDGER_ID_KEY)
        if existing is not None:
            return existing
        ledger_id = uuid.uuid4().hex[:8]
        uow.record(StateChanged(key=LEDGER_ID_KEY, value=ledger_id, ts_ms=time.time_ns() // 1_000_000))
        uow.commit()
        return ledger_id


def _clock_for(
    dataset: Dataset | None, settings: Settings, database: Database
) -> tuple[Clock, Callable[[], bool] | None]:
    """Replay market data runs on dataset time, resumed from the ledger; everything else on the wall."""
    if dataset is None:
        return SystemClock(), None
    step_ms = max(dataset.step_ms, int(settings.loop.cycle_seconds * 1000))
    with database.unit_of_work() as uow:
        saved = uow.state.get(REPLAY_CLOCK_KEY)
    # Start one step in, so every symbol has a row and the first cycle has data.
    start = int(saved) + step_ms if saved is not None else dataset.start_ms + dataset.step_ms
    from bot.replay.fast_forward import GapFastForward

    max_gap_ms = int(settings.market_data.replay_max_gap_s * 1000)
    forward = GapFastForward.over(dataset, step_ms=step_ms, max_gap_ms=max_gap_ms)
    clock = ReplayClock(start, step_ms, land=forward.land)  # jumps over long gaps in the data

    def advance() -> bool:
        with database.unit_of_work() as uow:
            uow.record(StateChanged(key=REPLAY_CLOCK_KEY, value=str(clock.now_ms()), ts_ms=clock.now_ms()))
            uow.commit()
        clock.advance()
        return clock.now_ms() <= dataset.end_ms

    return clock, advance
