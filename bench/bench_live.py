"""Live-cycle overhead: stage 7 in paper mode against `bot exchange-sim` on loopback, per cycle,
with the time spent in HTTP round trips taken out.

Nothing in the bot records request durations (its metrics have cycle durations, request errors
and data ages; its logs no request timings), so this runs stage 7 in this process through the
real command path, with timers wrapped around the clients' `_send` (one HTTP exchange: request
out, response body in, before any decoding) and the async bridge's blocking `call`. Per cycle
(from `_start` to the end of `_complete`): round-trip time is the union of the `_send` intervals
inside the cycle (the market reads of all symbols overlap), overhead = cycle - round trips. A
stricter figure takes out all the time the cycle thread waits on the bridge (decoding included).
"""

from __future__ import annotations

import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from pathlib import Path
from typing import Any

from bench_common import (
    THREE_SYMBOLS,
    BenchError,
    SectionResult,
    Session,
    Table,
    bot_env,
    percentile,
    progress,
)
from bench_inprocess import patch_attr, run_stage_in_process, settings_for

Interval = tuple[float, float]
WARMUP_CYCLES = 5  # the first cycles fetch pair rules, seed balances and warm connections


@contextmanager
def simulator(session: Session, folder: Path, speed: str) -> Iterator[str]:
    """`bot exchange-sim --port 0 --port-file F` in a child, as scripts/quickstart starts it."""
    port_file = folder / "sim.port"
    command = [sys.executable, "-m", "bot", "exchange-sim", "--port", "0", "--port-file", str(port_file)]
    with (folder / "sim.log").open("w") as log:
        child = subprocess.Popen(
            [*command, "--speed", speed], env=bot_env(session, {}), stdout=log, stderr=log
        )
        try:
            deadline = time.monotonic() + 30
            while not (port_file.exists() and port_file.read_text().strip()):
                if child.poll() is not None or time.monotonic() > deadline:
                    raise BenchError("exchange-sim did not start; " + (folder / "sim.log").read_text()[-200:])
                time.sleep(0.05)
            yield f"http://127.0.0.1:{int(port_file.read_text())}"
        finally:
            child.terminate()
            child.wait(10)


class Recorder:
    """Intervals (perf_counter seconds) of cycles, HTTP exchanges and blocking bridge calls."""

    def __init__(self) -> None:
        self.cycles: list[Interval] = []
        self.http: list[Interval] = []
        self.blocked: list[Interval] = []
        self._cycle_started = 0.0

    def patches(self, stack: ExitStack) -> None:
        import bot.app.market_sources as market_sources
        import bot.cycle.run as cycle_run
        from bot.exchange.btcturk.async_client import AsyncBtcturkClient
        from bot.exchange.btcturk.bridge import EventLoopThread
        from bot.exchange.btcturk.rate_limit import BTCTURK_LIMITS, RateLimits, WindowRule
        from bot.exchange.btcturk.sync_client import BtcturkClient

        sync_send, async_send = BtcturkClient._send, AsyncBtcturkClient._send
        start, complete, call = cycle_run._start, cycle_run._complete, EventLoopThread.call

        def timed_sync_send(client: Any, prepared: Any) -> Any:
            return self._timed([self.http, self.blocked], sync_send, client, prepared)

        async def timed_async_send(client: Any, prepared: Any) -> Any:
            started = time.perf_counter()
            try:
                return await async_send(client, prepared)
            finally:
                self.http.append((started, time.perf_counter()))

        def timed_start(rt: Any) -> Any:
            self._cycle_started = time.perf_counter()
            return start(rt)

        def timed_complete(*args: Any) -> Any:
            try:
                return complete(*args)
            finally:
                self.cycles.append((self._cycle_started, time.perf_counter()))

        # At a cycle every 0.1 s BTCTurk's windows would pace the loop; that wait is pacing, not cost.
        unbounded = {group: (WindowRule(10**9, 1),) for group in BTCTURK_LIMITS}
        stack.enter_context(patch_attr(BtcturkClient, "_send", timed_sync_send))
        stack.enter_context(patch_attr(AsyncBtcturkClient, "_send", timed_async_send))
        stack.enter_context(patch_attr(cycle_run, "_start", timed_start))
        stack.enter_context(patch_attr(cycle_run, "_complete", timed_complete))
        stack.enter_context(
            patch_attr(EventLoopThread, "call", lambda io, c: self._timed([self.blocked], call, io, c))
        )
        stack.enter_context(
            patch_attr(market_sources, "RateLimits", lambda scale: RateLimits(rules=unbounded, scale=scale))
        )

    def _timed(self, into: list[list[Interval]], function: Callable[..., Any], *args: Any) -> Any:
        started = time.perf_counter()
        try:
            return function(*args)
        finally:
            for intervals in into:
                intervals.append((started, time.perf_counter()))


def covered(intervals: list[Interval], start: float, end: float) -> tuple[float, int]:
    """Seconds of [start, end] inside at least one interval, and how many intervals start in it."""
    clipped = sorted((max(a, start), min(b, end)) for a, b in intervals if b > start and a < end)
    total, current_start, current_end = 0.0, None, None
    for a, b in clipped:
        if current_end is None or a > current_end:
            if current_start is not None and current_end is not None:
                total += current_end - current_start
            current_start, current_end = a, b
        else:
            current_end = max(current_end, b)
    if current_start is not None and current_end is not None:
        total += current_end - current_start
    return total, sum(1 for a, _ in intervals if start <= a < end)


def run(session: Session) -> SectionResult:
    options = session.options
    cycles, period = options.live_cycles, options.live_period
    result = SectionResult(
        name="live", title="live-cycle overhead against the simulator, round trips excluded"
    )
    result.settings = {
        "simulator": "bot exchange-sim --port 0 --port-file F --speed 600 (child, loopback, bundled data)",
        "bot": f"stage 7 paper, market_data.source=exchange, {','.join(THREE_SYMBOLS)}, {cycles} cycles"
        f" every {period:g} s, in this process; first {WARMUP_CYCLES} cycles left out",
        "store": "synchronous FULL (shipped; live requires it), then NORMAL, each on a fresh ledger",
        "rate limiter": "in the path, windows too wide to wait (BTCTurk's would pace a 0.1 s loop)",
    }
    with session.scratch("live-") as tmp, simulator(session, Path(tmp), "600") as url:
        for synchronous in ("FULL", "NORMAL"):
            overrides = {
                "exchange.adapter": "paper",
                "market_data.source": "exchange",
                "exchange.base_url": url,
                "exchange.graph_base_url": url,
                "store.path": f"{tmp}/ledger-{synchronous}.sqlite",
                "store.synchronous": synchronous,
                "universe.symbols": ",".join(THREE_SYMBOLS),
                "loop.cycle_seconds": str(period),
                "observability.log_level": "WARNING",
                "observability.metrics_enabled": "false",
            }
            progress(f"live: {cycles} stage-7 cycles, {synchronous}, against the simulator at {url}")
            recorder = Recorder()
            with ExitStack() as stack:
                recorder.patches(stack)
                run_stage_in_process(settings_for(overrides), "7", cycles)
            _report(result, recorder, synchronous)
    result.notes.append(
        "overhead = cycle - the union of the clients' `_send` intervals (HTTP only: request out, body in)."
        " The last row also takes out the rest of the time the cycle thread waits on the exchange (the"
        " async bridge's call: response decoding and the async client's own work). Against an exchange"
        " every unit of work commits (ADR 0005 records why): FULL - NORMAL is roughly the fsyncs."
    )
    return result


ROWS = (
    "cycle",
    "HTTP round trips",
    "overhead = cycle - HTTP",
    "waiting on the exchange",
    "cycle - waiting",
)


def _report(result: SectionResult, recorder: Recorder, synchronous: str) -> None:
    measured = recorder.cycles[WARMUP_CYCLES:]
    if not measured:
        raise BenchError(f"only {len(recorder.cycles)} cycles ran; nothing left after the warm-up")
    columns: dict[str, list[float]] = {name: [] for name in ROWS}
    requests = 0
    for start, end in measured:
        http, count = covered(recorder.http, start, end)
        blocked, _ = covered(recorder.blocked, start, end)
        requests += count
        values = (end - start, http, end - start - http, blocked, end - start - blocked)
        for name, value in zip(ROWS, values, strict=True):
            columns[name].append(value * 1000)
    rows = [
        (name, f"{percentile(v, 0.5):.2f}", f"{percentile(v, 0.99):.2f}", f"{sum(v) / len(v):.2f}")
        for name, v in columns.items()
    ]
    per_cycle = requests / len(measured)
    title = f"{synchronous}: ms per cycle over {len(measured)} cycles, {per_cycle:.1f} requests/cycle"
    result.tables.append(Table(title=title, columns=("figure", "p50", "p99", "mean"), rows=rows))
    result.figures[synchronous.lower()] = {
        name: {"p50": percentile(v, 0.5), "p99": percentile(v, 0.99)} for name, v in columns.items()
    }
    for figure, name in (("overhead", "overhead = cycle - HTTP"), ("cycle", "cycle")):
        ms = columns[name]
        spread = f"{percentile(ms, 0.5):.2f} / {percentile(ms, 0.99):.2f} ms"
        result.summary.append((f"live {figure} p50 / p99, {synchronous}", spread))
