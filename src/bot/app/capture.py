"""`bot replay-capture`: the exchange's market, read once a step for a while, as a replay dataset.

Steps fall on multiples of the step (UTC); at each one every symbol is read once (`capture_sources`)
and folded into a row or a missed step (`bot.replay.sampling`), the row written at once through
`DatasetWriter`. SIGINT or SIGTERM ends the capture after the step in progress and the dataset is
committed with what was captured; a step whose time passed while the capture was busy is missed as
late rather than read out of time.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Protocol, TextIO

from bot.app.capture_report import CaptureProgress, CaptureSummary, capture_source
from bot.app.capture_sources import MarketSampler, check_rest_budget
from bot.app.errors import CommandError, CommandFailed
from bot.app.exchange_access import pair_rules_of, public_client
from bot.app.stop import StopFlag, stop_on_signals
from bot.config import Settings
from bot.domain.dataset import MarketRow
from bot.domain.symbols import PairRules
from bot.replay import DatasetError, DatasetWriter
from bot.replay.manifest import MANIFEST_FILE
from bot.replay.sampling import Miss, SymbolCapture

if TYPE_CHECKING:
    from bot.exchange.btcturk.sync_client import BtcturkClient


class Pacer(Protocol):
    def now_ms(self) -> int: ...

    def wait_until(self, ts_ms: int) -> bool:
        """Return once `ts_ms` (epoch ms) has come: True, or False when told to stop first."""
        ...


class WallPacer:
    """The wall clock, waited on through the stop flag so a signal ends a wait at once."""

    def __init__(self, flag: StopFlag) -> None:
        self._flag = flag

    def now_ms(self) -> int:
        return time.time_ns() // 1_000_000

    def wait_until(self, ts_ms: int) -> bool:
        while (left_ms := ts_ms - self.now_ms()) > 0:
            if self._flag.wait(left_ms / 1000):
                return False
        return not self._flag.stopped


@dataclass(frozen=True, slots=True, kw_only=True)
class CapturePlan:
    out_dir: Path
    symbols: tuple[str, ...]
    step_ms: int
    duration_ms: int
    overwrite: bool = False

    @property
    def steps(self) -> int:
        return self.duration_ms // self.step_ms


def capture_steps(
    sampler: MarketSampler,
    captures: dict[str, SymbolCapture],
    write: Callable[[str, MarketRow], None],
    *,
    plan: CapturePlan,
    pacer: Pacer,
    on_step: Callable[[int, int], None] = lambda steps, ts_ms: None,
) -> tuple[int, int]:
    """Run the plan's steps, from the first multiple of the step after now: (first step's time,
    steps run). Stops early, after the step in progress, when the pacer says so."""
    step_ms = plan.step_ms
    first_ms = -(-pacer.now_ms() // step_ms) * step_ms
    for index in range(plan.steps):
        ts_ms = first_ms + index * step_ms
        if not pacer.wait_until(ts_ms):
            return first_ms, index
        if pacer.now_ms() >= ts_ms + step_ms:  # its time passed while an earlier step ran
            for capture in captures.values():
                capture.skip(ts_ms, Miss.LATE)
        else:
            for symbol, read in sampler.read(plan.symbols).items():
                row = captures[symbol].record(ts_ms, read)
                if row is not None:
                    write(symbol, row)
        on_step(index + 1, ts_ms)
    return first_ms, plan.steps


def replay_capture(
    settings: Settings, plan: CapturePlan, *, progress: TextIO | None = None
) -> CaptureSummary:
    """Capture `plan` from the configured exchange (WebSocket when `market_data.feed` says so,
    REST otherwise) into `plan.out_dir`. Raises CommandError (exit 2) for a plan that cannot run,
    an unlisted symbol or an existing dataset without `overwrite`; CommandFailed (exit 1) when the
    exchange cannot be read or nothing at all was captured."""
    if plan.steps < 1:
        raise CommandError("--duration is shorter than one --step; capture for at least one step")
    if (plan.out_dir / MANIFEST_FILE).exists() and not plan.overwrite:
        raise CommandError(f"{plan.out_dir} already holds a dataset; pass --overwrite to replace it")
    websocket = settings.market_data.feed == "websocket"
    if not websocket:
        check_rest_budget(settings, plan.symbols, plan.step_ms)
    client = public_client(settings)
    try:
        rules = pair_rules_of(client, settings, plan.symbols)
        sampler = _open_sampler(settings, client, plan.symbols, websocket)
        try:
            return _run(sampler, rules, plan, progress)
        finally:
            sampler.close()
    finally:
        client.close()


def _open_sampler(
    settings: Settings, client: BtcturkClient, symbols: Sequence[str], websocket: bool
) -> MarketSampler:
    from bot.app.capture_sources import RestSampler, open_feed

    return open_feed(settings, symbols) if websocket else RestSampler(client, settings.exchange.base_url)


def _run(
    sampler: MarketSampler, rules: dict[str, PairRules], plan: CapturePlan, progress: TextIO | None
) -> CaptureSummary:
    captures = {symbol: SymbolCapture(rules=rules[symbol], step_ms=plan.step_ms) for symbol in plan.symbols}
    flag = StopFlag()
    status = CaptureProgress(progress, captures, steps=plan.steps, step_ms=plan.step_ms)
    name = f"capture-{sampler.name}-{time.strftime('%Y%m%d-%H%M%S', time.gmtime())}"
    try:
        with (
            DatasetWriter(
                plan.out_dir,
                name=name,
                step_ms=plan.step_ms,
                pairs=list(rules.values()),
                overwrite=plan.overwrite,
            ) as out,
            stop_on_signals(flag),
        ):
            sampler.warm_up(plan.symbols, flag)
            first_ms, steps_run = capture_steps(
                sampler, captures, out.write, plan=plan, pacer=WallPacer(flag), on_step=status.update
            )
            status.finish()
            summary = CaptureSummary(
                plan_steps=plan.steps,
                out_dir=plan.out_dir,
                step_ms=plan.step_ms,
                feed=sampler.name,
                url=sampler.url,
                first_ms=first_ms,
                steps_run=steps_run,
                captures=captures,
                stopped_by=flag.reason or None,
            )
            if not any(capture.rows for capture in captures.values()):
                raise CommandFailed(f"{summary.text()} Nothing was captured, so no dataset was written.")
            out.commit(capture_source(summary), drop_empty=True)
    except DatasetError as e:
        raise CommandError(str(e)) from e
    return summary
