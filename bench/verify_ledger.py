"""How long `bot ledger verify` takes on a large ledger, and what it costs in memory.

Builds a ledger of N events (default 1,000,000) with `bench/startup_check.py`'s builder (a
stage-3 mix through the real unit of work), in a child process so that building does not count
in this process's peak memory, and keeps it in a cache folder for the next run. Then runs what
`bot ledger verify` runs (`bot.app.ledger_commands.ledger_verify`) once and prints the wall and CPU
time, events per second, peak RSS (`resource.getrusage`), the settings and the core count.
Asserts nothing.

    .venv/bin/python bench/verify_ledger.py [--events 1000000] [--cache-dir /tmp/bot-bench-verify]
"""

from __future__ import annotations

import argparse
import multiprocessing
import os
import resource
import sqlite3
import sys
import tempfile
import time
from contextlib import closing
from pathlib import Path

from startup_check import build

from bot.app import ledger_commands
from bot.store import verify
from bot.store.migrations import latest_version


def ledger_path(cache_dir: Path, events: int) -> Path:
    """Named by the schema version too: a ledger cached by an older bot is not reused (a read-only
    verify refuses a ledger older than the code, and its events may be of an older form)."""
    return cache_dir / f"verify-{events}-v{latest_version()}.sqlite"


def build_once(path: Path, events: int) -> None:
    """Build the ledger at `path` unless a previous run left it there (built to the end)."""
    if path.exists():
        print(f"reusing {path}")
        return
    partial = path.with_suffix(".building")
    for leftover in (partial, Path(f"{partial}.head"), Path(f"{partial}-wal"), Path(f"{partial}-shm")):
        leftover.unlink(missing_ok=True)
    print(f"building {events:,} events into {path} (a few minutes; reused next time)")
    child = multiprocessing.get_context("spawn").Process(target=build, args=(partial, events))
    child.start()
    child.join()
    if child.exitcode != 0:
        raise SystemExit(f"building the ledger failed (exit code {child.exitcode})")
    with closing(sqlite3.connect(partial)) as conn:  # fold the -wal in: the cached file stands alone
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    partial.rename(path)
    Path(f"{partial}.head").unlink(missing_ok=True)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--events", type=int, default=1_000_000)
    parser.add_argument("--cache-dir", type=Path, default=Path(tempfile.gettempdir()) / "bot-bench-verify")
    args = parser.parse_args()
    args.cache_dir.mkdir(parents=True, exist_ok=True)
    path = ledger_path(args.cache_dir, args.events)
    build_once(path, args.events)
    with closing(sqlite3.connect(f"file:{path}?mode=ro", uri=True)) as conn:
        events = conn.execute("SELECT COUNT(*) FROM events").fetchone()[0]
        checkpoints = conn.execute("SELECT COUNT(*) FROM events WHERE type = 'LedgerChecked'").fetchone()[0]
    print(
        f"machine: {os.cpu_count()} cores, load average {os.getloadavg()[0]:.2f}; Python"
        f" {sys.version.split()[0]}, SQLite {sqlite3.sqlite_version}"
    )
    print(
        f"ledger: N={args.events:,} requested, {events:,} events, {checkpoints} LedgerChecked,"
        f" {path.stat().st_size / 2**20:.0f} MiB"
    )
    print(
        f"settings: scratch page cache {verify.SCRATCH_CACHE_KIB:,} KiB, replay savepoint every"
        f" {verify.REPLAY_BATCH} events, progress every {verify.PROGRESS_EVERY:,} events"
    )
    wall, cpu = time.perf_counter(), time.process_time()
    ok, text = ledger_commands.ledger_verify(path)
    wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"  {text.splitlines()[0]}")
    print(
        f"ledger verify: {'OK' if ok else 'FAILED'} in {wall:.2f} s wall, {cpu:.2f} s CPU;"
        f" {events / wall:,.0f} events/s; peak RSS {rss:.0f} MiB"
    )


if __name__ == "__main__":
    main()
