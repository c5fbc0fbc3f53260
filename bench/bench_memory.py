"""Resident memory of a long stage-7 paper replay: after start-up, peak, and growth per 10k cycles.

`bot stage7-run --loop --max-cycles N` runs in a child over a synthetic dataset made long enough
by the project's generator (`bot.replay.synthetic.init_synthetic`, seed 7, the three default
pairs); the bundled dataset has 1,440 steps. Every `--sample-s` seconds this process reads the
child's VmRSS and VmHWM from /proc/<pid>/status and the last committed cycle from the ledger
(read-only; the replay commits every 200 cycles). Growth is the least-squares slope of RSS
against cycles over the samples past the first 10% of the run.
"""

from __future__ import annotations

import os
import sqlite3
import sys
import time
from contextlib import closing
from dataclasses import dataclass
from pathlib import Path

from bench_common import (
    REPO,
    THREE_SYMBOLS,
    BenchError,
    SectionResult,
    Session,
    Table,
    fmt,
    progress,
    replay_run,
    replay_settings,
    run_child,
)
from bench_datasets import synthetic_dataset

CLOCK_TICKS = os.sysconf("SC_CLK_TCK")


@dataclass(frozen=True, slots=True)
class Sample:
    seconds: float
    cycles: int
    rss_mib: float
    hwm_mib: float
    cpu_s: float  # user + system of the child so far


class RssSampler:
    """Called from run_child's sampling thread with the child's pid."""

    def __init__(self, ledger: Path) -> None:
        self.ledger = ledger
        self.samples: list[Sample] = []
        self._started = time.perf_counter()
        self._reported = 0.0

    def __call__(self, pid: int) -> None:
        try:
            status = Path(f"/proc/{pid}/status").read_text()
            ticks = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[11:13]
        except (OSError, IndexError):
            return
        fields = dict(line.split(":", 1) for line in status.splitlines() if ":" in line)
        if "VmRSS" not in fields:
            return  # exited, not yet reaped
        rss, hwm = (int(fields[k].split()[0]) / 1024 for k in ("VmRSS", "VmHWM"))
        now = time.perf_counter() - self._started
        sample = Sample(now, self._cycles(), rss, hwm, sum(int(t) for t in ticks) / CLOCK_TICKS)
        self.samples.append(sample)
        if now - self._reported >= 15:
            self._reported = now
            progress(f"memory: {sample.cycles:,} cycles, RSS {rss:.1f} MiB")

    def _cycles(self) -> int:
        if not self.ledger.exists():
            return 0
        try:
            with closing(sqlite3.connect(f"file:{self.ledger}?mode=ro", uri=True, timeout=0.2)) as conn:
                return int(conn.execute("SELECT COALESCE(MAX(cycle_id), 0) FROM cycles").fetchone()[0])
        except sqlite3.Error:
            return self.samples[-1].cycles if self.samples else 0


def cpu_ms_per_cycle(samples: list[Sample], total_cycles: int, low: float, high: float) -> float | None:
    """The child's CPU per cycle between the first samples at `low` and at `high` of the run."""
    start = next((s for s in samples if s.cycles >= total_cycles * low), None)
    end = next((s for s in samples if s.cycles >= total_cycles * high), samples[-1] if samples else None)
    if start is None or end is None or end.cycles <= start.cycles:
        return None
    return (end.cpu_s - start.cpu_s) / (end.cycles - start.cycles) * 1000


def slope_per_10k(samples: list[Sample], total_cycles: int, past: float = 0.1) -> float | None:
    """MiB per 10,000 cycles: least squares over samples past the first `past` share of the run."""
    points = [(s.cycles, s.rss_mib) for s in samples if s.cycles >= total_cycles * past]
    if len({c for c, _ in points}) < 3:
        return None
    mean_c = sum(c for c, _ in points) / len(points)
    mean_r = sum(r for _, r in points) / len(points)
    var = sum((c - mean_c) ** 2 for c, _ in points)
    cov = sum((c - mean_c) * (r - mean_r) for c, r in points)
    return cov / var * 10_000


def run(session: Session) -> SectionResult:
    cycles = session.options.memory_cycles
    result = SectionResult(name="memory", title="RSS of a long stage-7 paper replay (child process)")
    dataset = synthetic_dataset(session, len(THREE_SYMBOLS), cycles + 2)
    result.settings = {
        "run": f"bot stage7-run --loop --max-cycles {cycles:,}, shipped defaults, BTCTRY,ETHTRY,XRPTRY",
        "dataset": f"synthetic, {cycles + 2:,} one-minute steps, seed 7 (bundled one: 1,440 steps)",
        "sampling": f"/proc/<pid>/status VmRSS and VmHWM every {session.options.sample_s:g} s",
    }
    with session.scratch("memory-") as tmp:
        ledger = Path(tmp) / "ledger.sqlite"
        sampler = RssSampler(ledger)
        progress(f"memory: stage 7, {cycles:,} cycles")
        run_info = replay_run(
            session,
            "7",
            cycles,
            replay_settings(ledger, dataset=dataset),
            sample=sampler,
            sample_every_s=session.options.sample_s,
        )
        ledger_bytes = sum(p.stat().st_size for p in Path(tmp).glob("ledger.sqlite*") if p.is_file())
    samples = sampler.samples
    cycling = [s for s in samples if s.cycles > 0]
    if not cycling:
        raise BenchError("no sample saw a committed cycle (run too short for the sampling period)")
    first = cycling[0]
    peak = max([s.hwm_mib for s in samples] + [run_info.peak_rss_mib])
    growth = slope_per_10k(samples, cycles)
    # The first 1,440 steps fill stage 7's 24-hour volume window and SQLite's page cache (2 MiB)
    # fills as the ledger grows: the second half shows what growth remains once both are full.
    late_growth = slope_per_10k(samples, cycles, past=0.5)
    rows = [
        ("after start-up", f"{first.rss_mib:.1f}", f"first sample with committed cycles ({first.cycles:,})"),
        ("peak", f"{peak:.1f}", "VmHWM / ru_maxrss of the child"),
        ("final", f"{samples[-1].rss_mib:.1f}", f"last sample ({samples[-1].cycles:,} cycles)"),
        ("growth per 10k cycles", fmt(growth, 2), f"slope over {len(samples)} samples past 10% of the run"),
        ("growth per 10k, 2nd half", fmt(late_growth, 2), "slope over the samples past 50% of the run"),
    ]
    result.tables.append(Table(title="resident set size, MiB", columns=("figure", "MiB", "how"), rows=rows))
    early, late = cpu_ms_per_cycle(samples, cycles, 0.1, 0.3), cpu_ms_per_cycle(samples, cycles, 0.8, 1.0)
    cpu_rows = [("cycles 10-30% of the run", fmt(early, 2)), ("cycles 80-100% of the run", fmt(late, 2))]
    result.tables.append(
        Table(title="child CPU per cycle, ms", columns=("stretch", "ms/cycle"), rows=cpu_rows)
    )
    result.notes.append(
        f"{cycles:,} cycles in {run_info.wall_s:.1f} s"
        f" ({cycles / run_info.wall_s:,.0f} cycles/s whole process);"
        f" ledger {ledger_bytes / 2**20:.1f} MiB = {ledger_bytes / cycles:,.0f} B/cycle"
    )
    result.figures = {
        "rss_start_mib": first.rss_mib,
        "rss_peak_mib": peak,
        "growth_mib_per_10k": growth,
        "growth_mib_per_10k_second_half": late_growth,
        "cycles": cycles,
        "ledger_bytes_per_cycle": ledger_bytes / cycles,
        "cpu_ms_per_cycle_early": early,
        "cpu_ms_per_cycle_late": late,
    }
    result.summary += [
        ("RSS after start-up / peak MiB", f"{first.rss_mib:.1f} / {peak:.1f}"),
        ("RSS growth per 10k cycles", f"{fmt(growth, 2)} MiB (over {cycles:,} cycles)"),
        ("RSS growth per 10k cycles, second half", f"{fmt(late_growth, 2)} MiB"),
        ("CPU ms/cycle at 10-30% / 80-100% of the run", f"{fmt(early, 2)} / {fmt(late, 2)}"),
    ]
    _replay_memory_script(session, result)
    return result


QUICK_REPLAY_MEMORY = ("--rows", "10000,100000", "--loop-cycles", "20000", "--real-cycles", "20000")


def _replay_memory_script(session: Session, result: SectionResult) -> None:
    """bench/replay_memory.py (another engineer's) when it exists: its output, as it prints it.
    Its own defaults (1M-row datasets, 100k-cycle loops) with --full; smaller runs otherwise."""
    script = REPO / "bench" / "replay_memory.py"
    if not script.exists():
        result.notes.append("bench/replay_memory.py: not available yet")
        return
    args = () if session.options.full else QUICK_REPLAY_MEMORY
    shown = " ".join(("python bench/replay_memory.py", *args))
    progress(f"memory: {shown}")
    try:
        child = run_child([sys.executable, str(script), *args], stream_stderr=True)
    except BenchError as error:
        result.notes.append(f"{shown}: {error}")
        return
    lines = [line.rstrip() for line in child.stdout.splitlines() if line.strip()]
    result.notes.append(f"{shown} ({child.wall_s:.0f} s) says:\n" + "\n".join(f"  {line}" for line in lines))
    result.figures["replay_memory_output"] = lines
