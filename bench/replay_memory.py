"""Memory of a paper replay as its dataset grows, and of the daemon loop as its cycles add up.

1. Replays: synthetic datasets of 10k / 100k / 1M rows (one pair, written straight to a temp dir by
   `bot.replay.init_synthetic`) are each replayed in a fresh process through the replay market
   source, a step at a time on the replay clock, opened as the daemon opens them (`open_dataset`:
   one checking pass, then rows streamed from disk) and, for comparison, loaded whole as before
   (`load_dataset`). Prints peak RSS and time for each.
2. The loop over 100k cycles: (a) the real stage-3 paper cycle, built as `bot run` builds it, over
   a streamed dataset with a ledger on disk, RSS every 10k cycles; (b) a stand-in cycle, so only the
   loop's own memory shows: keeping counts (`run_cycles`) vs every result (as a caller collecting
   them through `on_cycle` does, and as the loop did before).

Prints figures and settings; asserts nothing. Linux (reads /proc/self/statm).

    .venv/bin/python bench/replay_memory.py [--rows 10000,100000,1000000] [--loop-cycles 100000]
        [--real-cycles 100000] [--skip-whole-above 1000000]
"""

from __future__ import annotations

import argparse
import itertools
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from bot.replay import init_synthetic

PAGE = os.sysconf("SC_PAGE_SIZE")


def rss_mib() -> float:
    with open("/proc/self/statm") as statm:  # noqa: PTH123 - a /proc read, no path logic
        return int(statm.read().split()[1]) * PAGE / 2**20


def peak_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def replay(directory: Path, how: str) -> None:
    """Child: replay every step of `directory`; ticker and book every 1,000th step (the ticker sums
    a day of volumes), the current row at every other step."""
    from bot.cycle.clocks import ReplayClock
    from bot.exchange.replay import ReplayMarketData
    from bot.replay import load_dataset, open_dataset

    before = rss_mib()
    started = time.perf_counter()
    dataset = open_dataset(directory) if how == "stream" else load_dataset(directory)
    opened = time.perf_counter() - started
    clock = ReplayClock(dataset.start_ms, dataset.step_ms)
    market = ReplayMarketData(dataset, clock)
    steps = 0
    while clock.now_ms() <= dataset.end_ms:
        for symbol in dataset.symbols:
            if steps % 1_000 == 0:
                market.ticker(symbol)
                market.order_book(symbol, 20)
            else:
                market.current_row(symbol)
        clock.advance()
        steps += 1
    elapsed = time.perf_counter() - started
    print(steps, f"{opened:.1f}", f"{elapsed:.1f}", f"{before:.0f}", f"{peak_mib():.0f}")


def replays(tmp: Path, sizes: list[int], skip_whole_above: int) -> dict[int, Path]:
    print("replays (one pair, BTCTRY, 60 s steps; a fresh process each):")
    header = ("rows", "how", "csv MiB", "open s", "total s", "RSS at start", "peak RSS")
    print("  {:>9}  {:<6} {:>7} {:>7} {:>8} {:>13} {:>9}".format(*header))
    written = {}
    for rows in sizes:
        directory = written[rows] = tmp / f"rows-{rows}"
        started = time.perf_counter()
        init_synthetic(directory, steps=rows, symbols=["BTCTRY"], seed=7)
        generated = time.perf_counter() - started
        size = (directory / "BTCTRY.csv").stat().st_size / 2**20
        for how in ("stream", "whole"):
            if how == "whole" and rows > skip_whole_above:
                continue
            done = subprocess.run(
                [sys.executable, __file__, "--child-replay", str(directory), how],
                capture_output=True,
                text=True,
                check=True,
            )
            _, opened, total, start_rss, peak = done.stdout.split()
            print(
                f"  {rows:>9,}  {how:<6} {size:>7.1f} {opened:>7} {total:>8} {start_rss:>9} MiB {peak:>5} MiB"
            )
        print(f"  {'':>9}  (generated and written in {generated:.1f} s, streamed to disk)")
    return written


def fake_loop(cycles: int) -> None:
    """The loop alone: a stand-in cycle returning results shaped like the real ones."""
    print(f"loop with a stand-in cycle, {cycles:,} cycles (RSS at cycle 10,000 and at the end):")
    for keep in (False, True):
        first, last = _fake_run(cycles, keep=keep)
        growth = (last - first) * 1024 / max(1, cycles - 10_000)
        name = "every result kept" if keep else "counts kept"
        print(f"  {name:<18} {first:6.1f} -> {last:6.1f} MiB  ({growth:+.3f} KiB per cycle)")


def _fake_run(cycles: int, *, keep: bool) -> tuple[float, float]:
    from bot.app.loop import LoopPlan, StopFlag, run_cycles
    from bot.cycle.run import CycleResult
    from bot.domain.cycles import CycleStatus

    keys = ("intents", "approved", "capped", "rejected", "submitted", "cancels", "filled", "errors")
    numbers = itertools.count(1)
    kept: list[CycleResult] = []
    samples: list[float] = []

    def cycle(_rt: object) -> CycleResult:
        return CycleResult(cycle_id=next(numbers), status=CycleStatus.OK, counters=dict.fromkeys(keys, 1))

    def seen(result: CycleResult) -> None:
        if keep:  # what collecting every result does, and what the loop did before it kept counts
            kept.append(result)
        if result.cycle_id % 10_000 == 0:
            samples.append(rss_mib())

    plan = LoopPlan(max_cycles=cycles, cycle_seconds=0.0, jitter_ratio=0.0, advance=lambda: True)
    run_cycles(None, plan, StopFlag(), cycle=cycle, on_cycle=seen)  # type: ignore[arg-type]
    return samples[0], samples[-1]


def real_loop(dataset: Path, cycles: int, tmp: Path) -> None:
    """The daemon's own path (as `bot run --loop` builds it), counts kept, over a streamed dataset."""
    from bot.app.commands import load, preflight
    from bot.app.composition import build_runtime
    from bot.app.ledger_access import LedgerGuard, backtest_batch, open_checked
    from bot.app.loop import LoopPlan, StopFlag, run_cycles
    from bot.cycle.clocks import SystemClock
    from bot.cycle.run import CycleResult
    from bot.execution.recovery import recover
    from bot.obs.metrics import Metrics

    overrides = {
        "store.path": str(tmp / "ledger.sqlite"),
        "store.synchronous": "NORMAL",
        "market_data.dataset": str(dataset),
        "universe.symbols": '["BTCTRY"]',
        "observability.log_level": "CRITICAL",
        "observability.metrics_enabled": "false",
    }
    settings = load(None, overrides).settings
    print(f"real stage-3 paper cycles over {dataset.name} (streamed), ledger on disk, synchronous=NORMAL:")
    wall = SystemClock()
    started = time.perf_counter()
    with open_checked(settings.store.path, synchronous="NORMAL", clock=wall) as db:
        guard = LedgerGuard(db, wall, interval_events=settings.store.integrity_check_events,
                            batch_cycles=backtest_batch(settings))  # fmt: skip
        built = build_runtime(settings, db, Metrics(), "3")
        preflight(built.runtime)
        recover(db, built.runtime.resolver)
        plan = LoopPlan(max_cycles=cycles, cycle_seconds=60.0, jitter_ratio=0.0, advance=built.advance,
                        after_cycle=guard.after_cycle)  # fmt: skip
        samples: list[tuple[int, float]] = []

        def sample(result: CycleResult) -> None:
            if result.cycle_id % 10_000 == 0:
                samples.append((result.cycle_id, rss_mib()))
                print(f"  cycle {result.cycle_id:>7,}  RSS {samples[-1][1]:6.1f} MiB", flush=True)

        try:
            tally = run_cycles(built.runtime, plan, StopFlag(), on_cycle=sample)
            samples.append((tally.last_cycle_id or 0, rss_mib()))
        finally:
            built.runtime.close()
            guard.close()
    elapsed = time.perf_counter() - started
    (first_id, first), (last_id, last) = samples[0], samples[-1]
    growth = (last - first) * 1024 / max(1, last_id - first_id)
    print(f"  {tally.summary()} in {elapsed:.0f} s ({tally.cycles / elapsed:.0f} cycles/s)")
    print(f"  RSS {first:.1f} -> {last:.1f} MiB from cycle {first_id:,} to {last_id:,}", end="")
    print(f" ({growth:+.3f} KiB per cycle)")
    print(f"  peak RSS {peak_mib():.0f} MiB; ledger {(tmp / 'ledger.sqlite').stat().st_size / 2**20:.0f} MiB")


def main() -> None:
    if len(sys.argv) == 4 and sys.argv[1] == "--child-replay":
        replay(Path(sys.argv[2]), sys.argv[3])
        return
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", default="10000,100000,1000000")
    parser.add_argument("--loop-cycles", type=int, default=100_000)
    parser.add_argument("--real-cycles", type=int, default=100_000, help="0 skips the real-cycle run")
    parser.add_argument("--skip-whole-above", type=int, default=1_000_000)
    args = parser.parse_args()
    sizes = [int(n) for n in args.rows.split(",")]
    print(f"python {sys.version.split()[0]}, os.cpu_count() {os.cpu_count()}, page {PAGE} B")
    print(f"settings: rows {sizes}, loop cycles {args.loop_cycles:,}, real cycles {args.real_cycles:,}")
    with tempfile.TemporaryDirectory() as tmp:
        written = replays(Path(tmp), sizes, args.skip_whole_above)
        long_enough = [rows for rows in written if rows > args.real_cycles]  # a cycle per step, one step in
        if args.real_cycles and long_enough:  # first, so the peak RSS it prints is its own
            real_loop(written[min(long_enough)], args.real_cycles, Path(tmp))
        fake_loop(args.loop_cycles)


if __name__ == "__main__":
    main()
