"""Playing a drill: the stage-7 daemon (`run_stage`, the code `bot stage7-run` runs) against the
simulator served in this process, through the real BTCTurk client, on a `DrillClock`.

Cycle k starts at `first + (k - 1) * step` of the dataset's time (later, if a retry's back-off or
a held answer already took the clock past it). Before cycle k the schedule applies the fault
profile of the phase covering k (`Phase`), on the simulator, as `POST /_sim/faults` would. A
scenario with a crash point arms it (`bot.execution.crash_points.armed`): the run stops there as
if killed, and a new run of the daemon over the same ledger and exchange continues one step later,
recovering first, exactly as after a restart.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path

from bot.app.commands import run_stage
from bot.app.errors import CommandError
from bot.app.wiring import Wiring
from bot.config import Settings, load_settings
from bot.cycle.portfolio.params import check_portfolio_settings
from bot.domain.dataset import Dataset
from bot.drill.calls import AttemptRuns
from bot.drill.clock import DrillClock
from bot.drill.transport import InProcessTransport
from bot.execution import crash_points
from bot.sim import SimAccount, SimConfig, SimExchange, build_app
from bot.sim.fault_profile import FaultProfile

API_KEY = "d7111111-2222-3333-4444-555555555555"
API_SECRET = "ZHJpbGwtc2ltdWxhdG9yLXNlY3JldC0zMi1ieXRlcyE="
SIM_URL = "http://127.0.0.1:1"  # never connected to: the transport answers in this process
STAGE = "7"
_WIRED_SECTIONS = frozenset({"store", "market_data", "mode"})


class DrillInterrupted(Exception):
    """SIGINT or SIGTERM stopped a drill's run: it has no verdict."""

    def __init__(self, signal_name: str) -> None:
        super().__init__(f"interrupted by {signal_name}")
        self.signal_name = signal_name


@dataclass(frozen=True, slots=True, kw_only=True)
class Phase:
    """Fault profile knobs (`bot.sim.fault_profile.FaultProfile`) for cycles first..last (1-based)."""

    first: int
    last: int
    faults: Mapping[str, object]

    def covers(self, cycle: int) -> bool:
        return self.first <= cycle <= self.last


@dataclass(frozen=True, slots=True, kw_only=True)
class Scenario:
    market: Callable[[], Dataset]
    cycles: int
    balances: Mapping[str, Decimal]
    phases: tuple[Phase, ...] = ()
    settings: Mapping[str, object] = field(default_factory=dict)  # dotted keys, as `--set`
    crash_at: tuple[str, int] | None = None  # (point, nth time reached)


@dataclass(frozen=True, slots=True)
class Played:
    """What a drill's run left: its ledger, the exchange, and when each cycle started."""

    ledger: Path
    exchange: SimExchange
    settings: Settings
    cycle_start_ms: tuple[int, ...]  # index k - 1: when cycle k was due
    crashed_at: tuple[str, ...]  # the crash points the run stopped at (then restarted)
    runs: int  # daemon runs over the ledger (1 + restarts)
    attempts: AttemptRuns  # the most attempts one call made, per endpoint


def play(scenario: Scenario, workdir: Path, *, seed: int, overrides: Mapping[str, object] = {}) -> Played:
    """Run `scenario` into a fresh ledger in `workdir`; `overrides` (`--set`) come last."""
    dataset = scenario.market()
    clock = DrillClock(dataset.start_ms)
    exchange = SimExchange(_sim_config(scenario, seed), dataset, clock)
    exchange.faults.sleep = clock.async_sleep
    settings = _settings(scenario, dataset, workdir, overrides)
    transport = InProcessTransport(build_app(exchange), clock, timeout_s=settings.exchange.timeout_s)
    step = dataset.step_ms
    first = dataset.start_ms + step
    due = tuple(first + k * step for k in range(scenario.cycles))
    schedule = _Schedule(exchange, scenario.phases)
    position = {"cycle": 1}

    def to_cycle(cycle: int) -> bool:
        if cycle > scenario.cycles:
            return False
        position["cycle"] = cycle
        schedule.enter(cycle)
        clock.move_to(due[cycle - 1])
        return True

    attempts = AttemptRuns()
    wiring = Wiring(
        clock=clock,
        advance=lambda: to_cycle(position["cycle"] + 1),
        transport=transport,
        sleep=clock.sleep,
        monotonic=clock.monotonic,
        seed=seed,
        observers=(attempts,),
    )
    if os.environ.get(crash_points.ENV_VAR):
        raise CommandError(
            f"{crash_points.ENV_VAR} is set: it would kill this process at a crash point; unset it"
            " (a drill arms its own crash points)"
        )
    to_cycle(1)
    crashed: list[str] = []
    runs = 0
    try:
        while True:
            runs += 1
            remaining = scenario.cycles - position["cycle"] + 1
            crash = scenario.crash_at if not crashed else None
            try:
                if crash is None:
                    _run(settings, remaining, wiring)
                else:
                    with crash_points.armed(*crash):
                        _run(settings, remaining, wiring)
            except crash_points.Crash as stop:
                crashed.append(stop.point)
                if to_cycle(position["cycle"] + 1):  # the restart comes a step later
                    continue
            break
    finally:
        transport.shutdown()
    return Played(
        ledger=settings.store.path,
        exchange=exchange,
        settings=settings,
        cycle_start_ms=due,
        crashed_at=tuple(crashed),
        runs=runs,
        attempts=attempts,
    )


def _run(settings: Settings, cycles: int, wiring: Wiring) -> None:
    """Raises DrillInterrupted when a signal stopped the run (the daemon's loop stops cleanly
    on SIGINT/SIGTERM; a drill cut short must not be judged)."""
    outcome = run_stage(
        settings,
        STAGE,
        loop=True,
        max_cycles=cycles,
        cycle_seconds=settings.loop.cycle_seconds,
        status_line=False,
        wiring=wiring,
    )
    stopped_by = outcome.cycles.stopped_by or ""
    if stopped_by.startswith("SIG"):
        raise DrillInterrupted(stopped_by)


class _Schedule:
    def __init__(self, exchange: SimExchange, phases: tuple[Phase, ...]) -> None:
        self._exchange = exchange
        self._phases = phases
        self._active: Phase | None = None
        self._calm = FaultProfile()

    def enter(self, cycle: int) -> None:
        phase = next((p for p in self._phases if p.covers(cycle)), None)
        if phase is self._active:
            return
        self._active = phase
        self._exchange.apply_faults(self._calm.updated(phase.faults) if phase else self._calm)


def _sim_config(scenario: Scenario, seed: int) -> SimConfig:
    account = SimAccount(api_key=API_KEY, api_secret=API_SECRET, balances=dict(scenario.balances))
    return SimConfig(accounts=(account,), seed=seed, speed=Decimal(1))


def _settings(
    scenario: Scenario, dataset: Dataset, workdir: Path, overrides: Mapping[str, object]
) -> Settings:
    step_s = dataset.step_ms / 1000
    wired: dict[str, object] = {
        "mode": "paper",
        "exchange.adapter": "btcturk",
        "exchange.base_url": SIM_URL,
        "exchange.graph_base_url": SIM_URL,
        "market_data.source": "exchange",
        "market_data.feed": "rest",
        "market_data.rest_reads": "sequential",
        "universe.symbols": ",".join(dataset.symbols),
        "loop.cycle_seconds": str(step_s),
        "store.path": str(workdir / "ledger.sqlite"),
        "observability.metrics_enabled": "false",
        "observability.log_level": "ERROR",
    }
    wired_keys = set(wired) - {"observability.log_level"}
    refused = sorted(k for k in overrides if k in wired_keys or k.split(".")[0] in _WIRED_SECTIONS)
    if refused:
        raise CommandError(
            f"--set {', '.join(refused)}: a drill wires its own exchange, market data and ledger "
            "(keep its ledger with --out); set strategy, risk or budget keys instead"
        )
    # The drill's own environment, not the process's: keys are read from the environment only,
    # and a BOT_* variable of the shell must not change a drill's outcome.
    env = {"BOT_EXCHANGE__API_KEY": API_KEY, "BOT_EXCHANGE__API_SECRET": API_SECRET}
    settings = load_settings(None, env, {**wired, **scenario.settings, **overrides}).settings
    check_portfolio_settings(settings)
    return settings
