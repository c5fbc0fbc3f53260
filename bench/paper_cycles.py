"""Cycles per second and peak memory of `bot run` in paper mode over the bundled dataset.

Runs the real command path (settings, lock, ledger with synchronous=FULL, runtime, loop) in this
process, so the timing includes every ledger commit. Prints figures; asserts nothing.

    .venv/bin/python bench/paper_cycles.py [--cycles N] [--dataset replays/synthetic]
"""

from __future__ import annotations

import argparse
import resource
import sys
import tempfile
import time
import tracemalloc
from pathlib import Path

from bot.app import commands


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--cycles", type=int, default=1000)
    parser.add_argument("--dataset", default="replays/synthetic")
    parser.add_argument("--synchronous", default="FULL", choices=["FULL", "NORMAL"])
    parser.add_argument("--trace-memory", action="store_true", help="also trace Python heap (slower)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        env_overrides = {
            "store.path": str(Path(tmp) / "bench.sqlite"),
            "store.synchronous": args.synchronous,
            "market_data.dataset": args.dataset,
            "observability.log_level": "WARNING",
            "observability.metrics_enabled": "false",
        }
        settings = commands.load(None, env_overrides).settings
        if args.trace_memory:
            tracemalloc.start()
        started = time.perf_counter()
        outcome = commands.run_stage(settings, "3", loop=True, max_cycles=args.cycles, cycle_seconds=60.0)
        elapsed = time.perf_counter() - started
        traced_peak = tracemalloc.get_traced_memory()[1] if args.trace_memory else None
        tracemalloc.stop()
        db_size = (Path(tmp) / "bench.sqlite").stat().st_size
    cycles = outcome.cycles.cycles
    submitted = outcome.cycles.submitted
    rss_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"dataset            {args.dataset} (synchronous={args.synchronous})")
    print(f"cycles             {cycles} in {elapsed:.2f} s -> {cycles / elapsed:.0f} cycles/s")
    print(f"per cycle          {elapsed / cycles * 1000:.2f} ms (mean, including ledger commits)")
    print(f"orders submitted   {submitted}")
    print(f"peak RSS           {rss_mb:.1f} MiB (whole process)")
    if traced_peak is not None:
        print(f"peak traced heap   {traced_peak / 2**20:.1f} MiB (Python allocations during the run)")
    print(f"ledger size        {db_size / 1024:.0f} KiB")


if __name__ == "__main__":
    sys.exit(main())
