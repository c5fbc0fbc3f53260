"""What the CLI calls: each function does one command's work and returns something printable."""

from __future__ import annotations

import logging
import os
import sys
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import urlparse

from bot.app.ledger_access import LedgerGuard, backtest_batch, open_checked
from bot.app.lock import InstanceLock
from bot.config import ConfigError, LoadedSettings, Settings, load_settings, secret_values
from bot.cycle.clocks import SystemClock
from bot.cycle.portfolio.params import check_portfolio_settings
from bot.exchange.errors import AuthError, ExchangeError
from bot.obs.logging import configure_logging, log_context
from bot.obs.tracing import configure_tracing, shutdown_tracing, span
from bot.store import Database
from bot.store.errors import StoreError

if TYPE_CHECKING:
    # The runtime (adapters, stages, the loop) and the metrics are imported by the run commands
    # that use them: `config`, `ledger` and `kill-switch` commands do not load them.
    from bot.app.loop import LoopTally
    from bot.app.wiring import Wiring
    from bot.cycle.runtime import Runtime
    from bot.obs.metrics import Metrics

log = logging.getLogger(__name__)
REAL_HOSTS = ("api.btcturk.com",)


def load(config_path: Path | None, overrides: Mapping[str, object]) -> LoadedSettings:
    """The settings, checked by the schema and by what stages 4 and 7 build from them."""
    loaded = load_settings(config_path, os.environ, overrides)
    check_portfolio_settings(loaded.settings)
    return loaded


@dataclass(frozen=True, slots=True)
class RunOutcome:
    cycles: LoopTally
    metrics_port: int | None
    unresolved_orders: int


def settings_for_ledger(db_path: Path) -> Settings:
    """The embedded defaults pointed at `db_path`: no file, no environment. For commands that
    must work on a ledger whatever the configuration says (the kill switch)."""
    return load_settings(None, {}, {"store.path": str(db_path)}).settings


@dataclass(frozen=True, slots=True)
class Cadence:
    """How many cycles a run makes (0: until stopped) and how far apart."""

    max_cycles: int
    cycle_seconds: float
    status_line: bool = True  # a live status line on stdout, when it is a terminal


def check_live_target(settings: Settings, confirmed_real_exchange: bool) -> None:
    """Live against the real BTCTurk host needs the config arming *and* a command-line flag."""
    host = urlparse(settings.exchange.base_url).hostname or ""
    if settings.mode == "live" and host in REAL_HOSTS and not confirmed_real_exchange:
        raise ConfigError(
            f"mode is live against {host}: also pass --i-mean-the-real-exchange on the command line "
            "(see runbooks/going-live.md)"
        )


def run_stage(
    settings: Settings,
    stage: str,
    *,
    loop: bool,
    max_cycles: int,
    cycle_seconds: float,
    status_line: bool = True,
    wiring: Wiring | None = None,
) -> RunOutcome:
    """Run stage "3", "4" or "7" once or as a loop; the same lock, ledger, executor and loop.

    `wiring`: a drill's clock and in-process exchange (`bot.app.wiring`)."""
    from bot.obs.metrics import Metrics
    from bot.obs.metrics_server import start_metrics_server

    obs = settings.observability
    configure_logging(obs.log_level, obs.log_format, sys.stderr, secrets=secret_values(settings))
    logging.getLogger("httpx").setLevel(logging.WARNING)  # one line per request drowns decisions
    db_path = settings.store.path
    _ensure_folder(db_path)
    wall = SystemClock()
    if loop:
        from bot.app.read_budget import cadence_warnings

        for warning in cadence_warnings(settings, cycle_seconds):
            log.warning("cadence exceeds the exchange's rate limits", extra={"fields": {"detail": warning}})
    from bot.app.setting_cautions import setting_cautions

    for caution in setting_cautions(settings, cycle_seconds=cycle_seconds):
        log.warning("settings caution", extra={"fields": {"detail": caution}})
    with InstanceLock(db_path) as lock:
        metrics = Metrics()
        server, port = None, None
        if loop and settings.observability.metrics_enabled:
            # Before the ledger is touched: a port in use stops the run with nothing written.
            server, port = start_metrics_server(
                metrics, settings.observability.metrics_host, settings.observability.metrics_port
            )
            log.info(
                "metrics endpoint",
                extra={"fields": {"url": f"http://{settings.observability.metrics_host}:{port}/metrics"}},
            )
        try:
            with open_checked(db_path, synchronous=settings.store.synchronous, clock=wall) as db:
                token = lock.record_token(db, wall)
                guard = LedgerGuard(
                    db,
                    wall,
                    interval_events=settings.store.integrity_check_events,
                    batch_cycles=backtest_batch(settings),
                )
                cadence = Cadence(
                    max_cycles=max_cycles if loop else 1, cycle_seconds=cycle_seconds, status_line=status_line
                )
                results, unresolved = _run_on(db, settings, stage, metrics, (token, guard), cadence, wiring)
        finally:
            if server is not None:
                server.close()
    return RunOutcome(cycles=results, metrics_port=port, unresolved_orders=unresolved)


def _ensure_folder(db_path: Path) -> None:
    try:
        db_path.parent.mkdir(parents=True, exist_ok=True)
    except OSError as e:
        raise StoreError(f"cannot create the ledger's folder {db_path.parent}: {e.strerror or e}") from e


def _run_on(
    db: Database,
    settings: Settings,
    stage: str,
    metrics: Metrics,
    ownership: tuple[int, LedgerGuard],
    cadence: Cadence,
    wiring: Wiring | None = None,
) -> tuple[LoopTally, int]:
    """Build the runtime, recover, and run the cycles; `ownership`: this run's fencing token and
    the guard of the ledger it holds."""
    from bot.app.composition import build_runtime
    from bot.app.loop import LoopPlan, StopFlag, run_cycles, stop_on_signals
    from bot.app.status_line import StatusLine
    from bot.execution.recovery import recover
    from bot.replay import DatasetError

    token, guard = ownership
    built = build_runtime(settings, db, metrics, stage, wiring)
    rt = built.runtime
    resource = {"bot.stage": stage, "bot.mode": settings.mode, "bot.ledger_id": rt.ledger_id}
    configure_tracing(settings.observability.tracing, resource=resource)
    try:
        preflight(rt)
        with log_context(run_id=f"{rt.ledger_id}-{token}"), span("startup_recovery"):
            unresolved = recover(db, rt.resolver)
        after_cycle = guard.after_cycle
        if built.advance is None and settings.observability.metrics_enabled:  # a daemon, not a backtest
            from bot.app.slo_gauges import SloGauges

            gauges = SloGauges(db, settings, metrics, SystemClock())

            def after_cycle() -> None:
                guard.after_cycle()
                gauges.after_cycle()

        plan = LoopPlan(
            max_cycles=cadence.max_cycles,
            cycle_seconds=cadence.cycle_seconds,
            jitter_ratio=settings.loop.jitter_ratio,
            advance=built.advance,
            after_cycle=after_cycle,
        )
        flag = StopFlag()
        status = None
        if _live_status(cadence):
            replay_total = _replay_cycles(settings) if built.advance is not None else None
            status = StatusLine(
                metrics,
                sys.stdout,
                max_cycles=cadence.max_cycles,
                portfolio=stage != "3",
                replay_total=replay_total,
            )
        with stop_on_signals(flag), log_context(run_id=f"{rt.ledger_id}-{token}"):
            try:
                results = run_cycles(rt, plan, flag, on_cycle=status.update if status else None)
            except DatasetError as e:
                # A replay dataset is checked before the first cycle and read as the replay reaches
                # it: a row that no longer checks out (the file changed under the run) stops the run
                # with the same one line and exit code as a bad dataset at start.
                raise ConfigError(f"market_data.dataset: {e}") from e
            finally:
                if status is not None:
                    status.finish()
    finally:
        rt.close()
        guard.close()
        shutdown_tracing()  # exports what a batch still holds
    return results, unresolved


def _replay_cycles(settings: Settings) -> int | None:
    """How many cycles a replay of the configured dataset makes from its start (a step each),
    without the steps its clock jumps over (`market_data.replay_max_gap_s`)."""
    from bot.replay.dataset_io import open_dataset
    from bot.replay.fast_forward import count_cycles

    dataset = open_dataset(settings.market_data.dataset)
    if not dataset.step_ms:
        return None
    return count_cycles(
        dataset,
        start_ms=dataset.start_ms + dataset.step_ms,
        step_ms=dataset.step_ms,
        max_gap_ms=int(settings.market_data.replay_max_gap_s * 1000),
    )


def _live_status(cadence: Cadence) -> bool:
    """A status line for a loop on a terminal (never into a file or a pipe)."""
    return cadence.status_line and cadence.max_cycles != 1 and sys.stdout.isatty()


def preflight(rt: Runtime) -> None:
    """Refuse to start with keys the exchange rejects: no cycle could do anything but fail.

    Other exchange errors do not stop the start: each cycle fails closed until it recovers.
    """
    try:
        rt.gateway.balances()
    except AuthError:
        raise
    except ExchangeError as error:
        log.warning("exchange unavailable at startup", extra={"fields": {"error": str(error)}})
