"""`scripts/bench`: every benchmark figure of the bot in one run, printed with its settings, the
machine's core count and the git commit. Figures are printed, never asserted.

    scripts/bench [all|cycles|storage|memory|verify|startup|live|symbols|phases ...] [--json] [--full]

Sections (default: all of them, in this order):
  cycles   paper replay cycles/s of stages 3, 4 and 7, FULL and NORMAL, whole process and steady
  storage  ledger bytes and rows per stage-7 cycle; a raw sqlite3 loop writing the same rows
  memory   RSS of a long stage-7 replay: after start-up, peak, growth per 10k cycles
  verify   verify time and RSS for a ledger of N events (bench/verify_ledger.py)
  startup  time to first cycle (bench/first_cycle.py)
  live     stage 7 against `bot exchange-sim`: cycle overhead without HTTP round trips, p50/p99
  symbols  stage-7 cycles/s with 3, 10 and 30 symbols
  phases   the stage-7 cycle's time by phase (gather, reconcile, decide, check, act, record)

Progress goes to stderr; a section that fails prints why in one line and the others go on.
"""

from __future__ import annotations

import argparse
import os
import platform
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

from bench_common import BenchError, SectionResult, Session, fsync_ms, git_commit, progress, warm_bytecode
from bench_report import Report, as_json

SECTIONS = ("cycles", "storage", "memory", "verify", "startup", "live", "symbols", "phases")


def _runner(name: str) -> Callable[[Session], SectionResult]:
    """Each section's module is imported when it runs: one that fails to import fails alone."""
    import importlib

    external = name in ("verify", "startup")  # other engineers' scripts, quoted by bench_external
    module, attribute = ("bench_external", name) if external else (f"bench_{name}", "run")
    runner: Callable[[Session], SectionResult] = getattr(importlib.import_module(module), attribute)
    return runner


def parse(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="scripts/bench", description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("sections", nargs="*", metavar="SECTION", help="all (default) or sections to run")
    parser.add_argument("--json", action="store_true", help="print one JSON document instead of tables")
    parser.add_argument(
        "--full", action="store_true", help="full-size runs: 1M-event verify, 30k-cycle memory run"
    )
    parser.add_argument("--cycles", type=int, default=400, help="N for the N/2N replay runs (2N <= 1,438)")
    parser.add_argument("--repeat", type=int, default=1, help="runs per cycles measurement; the best is kept")
    parser.add_argument("--storage-cycles", type=int, default=1400, help="at most 1,438 (bundled dataset)")
    parser.add_argument("--baseline-seconds", type=float, default=2.0, help="per raw sqlite3 variant")
    parser.add_argument("--memory-cycles", type=int, default=None, help="default 10,000 (30,000 with --full)")
    parser.add_argument("--sample-s", type=float, default=0.5, help="RSS sampling period")
    parser.add_argument("--events", type=int, default=None, help="ledger size for verify")
    parser.add_argument("--startup-runs", type=int, default=5)
    parser.add_argument("--live-cycles", type=int, default=200)
    parser.add_argument("--live-period", type=float, default=0.1, help="seconds between live cycles")
    parser.add_argument("--symbol-cycles", type=int, default=200, help="N for the symbols N/2N runs")
    parser.add_argument("--phase-cycles", type=int, default=1400, help="at most 1,438 (bundled dataset)")
    options = parser.parse_args(argv)
    chosen = options.sections or ["all"]
    unknown = [s for s in chosen if s not in (*SECTIONS, "all")]
    if unknown:
        parser.error(f"unknown section(s) {', '.join(unknown)}; choose from all, {', '.join(SECTIONS)}")
    options.sections = list(SECTIONS) if "all" in chosen else [s for s in SECTIONS if s in chosen]
    if options.memory_cycles is None:
        options.memory_cycles = 30_000 if options.full else 10_000
    if 2 * options.cycles > 1_438:
        parser.error("--cycles: 2N must fit the bundled dataset (1,438 cycles)")
    return options


def context(options: argparse.Namespace) -> dict[str, object]:
    return {
        "commit": git_commit(),
        "cpu_count": os.cpu_count(),
        "python": sys.version.split()[0],
        "platform": platform.platform(),
        "started": datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "sections": " ".join(options.sections),
        "full": options.full,
        "load average": " ".join(f"{load:.2f}" for load in os.getloadavg()) + " (1, 5, 15 min) at start",
    }


def busy_machine_note() -> str:
    """The load at the end, and what it means for the wall-clock figures when the cores were busy."""
    cores = os.cpu_count() or 1
    loads = os.getloadavg()
    text = f"load average at end: {' '.join(f'{x:.2f}' for x in loads)} (1, 5, 15 min) on {cores} cores"
    if loads[1] >= cores:
        text += (
            "; the machine was busy: wall-clock figures include waiting for a CPU and for the disk, so"
            " the CPU-based columns (steady CPU, child CPU per cycle) are the steadier ones"
        )
    return text


def run_section(name: str, session: Session) -> SectionResult:
    started = time.perf_counter()
    progress(f"section {name}")
    try:
        result = _runner(name)(session)
    except (BenchError, Exception) as error:  # one line, and the next section runs
        reason = str(error).strip().splitlines()[-1] if str(error).strip() else ""
        result = SectionResult(name=name, title="failed", error=f"{type(error).__name__}: {reason}"[:300])
    result.figures["section_seconds"] = round(time.perf_counter() - started, 1)
    progress(f"section {name} done in {time.perf_counter() - started:.0f} s")
    return result


def main(argv: list[str]) -> int:
    options = parse(argv)
    info = context(options)
    report = Report()
    if not options.json:
        report.header(info)
    results = []
    with tempfile.TemporaryDirectory(prefix="bot-bench-") as work:
        session = Session(options=options, work=Path(work), pycache=Path(work) / "pycache")
        progress("warming the session's bytecode cache (one --once run of stages 3 and 7)")
        warm_bytecode(session)
        info["fsync 4 KiB, start"] = f"{fsync_ms(session.work):.2f} ms (temp folder's disk)"
        if not options.json:
            report.line(f"{'fsync 4 KiB, start':<18} {info['fsync 4 KiB, start']}")
        for name in options.sections:
            result = run_section(name, session)
            results.append(result)
            if not options.json:
                report.section(result)
                sys.stdout.flush()
        info["fsync 4 KiB, end"] = f"{fsync_ms(session.work):.2f} ms"
    if options.json:
        print(as_json(info, results))
    else:
        report.summary(results)
        fsync = f"{info['fsync 4 KiB, start']} / {info['fsync 4 KiB, end']}"
        report.line(f"fsync of 4 KiB at start / end: {fsync}")
        report.line(busy_machine_note())
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
