"""Sections measured by other engineers' scripts, run as child processes and quoted as printed:
time to first cycle (bench/first_cycle.py) and verify time and memory for a ledger of N events
(bench/verify_ledger.py). A script that does not exist yet is reported as not available."""

from __future__ import annotations

import re
import sys

from bench_common import REPO, BenchError, SectionResult, Session, run_child

_FIRST_CYCLE = re.compile(r"^to first cycle\s+median ([\d.]+) s")
_PEAK_RSS = re.compile(r"^peak RSS\s+median ([\d.]+) MiB")
_VERIFIED = re.compile(r"ledger verify: (\w+) in ([\d.]+) s wall.*?([\d,]+) events/s; peak RSS ([\d.]+) MiB")
_PROGRESS = re.compile(r"^\s*built [\d,]+ events")
FULL_EVENTS = 1_000_000
QUICK_EVENTS = 100_000


def _script(result: SectionResult, name: str) -> str | None:
    path = REPO / "bench" / name
    if not path.exists():
        result.notes.append(f"bench/{name}: not available yet")
        result.summary.append(("figures", f"bench/{name} not available yet"))
        return None
    return str(path)


def _quote(result: SectionResult, stdout: str) -> list[str]:
    """The child's stdout lines, without its carriage-return progress lines (`built N events`)."""
    lines = [line.rstrip() for line in stdout.splitlines() if line.strip() and not _PROGRESS.match(line)]
    result.notes.append("\n".join(f"  {line}" for line in lines))
    result.figures["output"] = lines
    return lines


def startup(session: Session) -> SectionResult:
    result = SectionResult(name="startup", title="time to first cycle (bench/first_cycle.py)")
    script = _script(result, "first_cycle.py")
    if script is None:
        return result
    runs = session.options.startup_runs
    args = ["--runs", str(runs), "--stage", "7", "--symbols", "BTCTRY,ETHTRY,XRPTRY"]
    result.settings = {"command": "python bench/first_cycle.py " + " ".join(args)}
    lines = _quote(result, run_child([sys.executable, script, *args], stream_stderr=True).stdout)
    for line in lines:
        if match := _FIRST_CYCLE.match(line):
            result.summary.append(("stage 7 --once: to first cycle (median)", f"{match.group(1)} s"))
        if match := _PEAK_RSS.match(line):
            result.summary.append(("stage 7 --once: peak RSS (median)", f"{match.group(1)} MiB"))
    if not result.summary:
        result.summary.append(("figures", "see the section (no `to first cycle` line to quote)"))
    return result


def verify_events(session: Session) -> tuple[int, str]:
    """N and why: --events, else 1,000,000 for `--full` or `scripts/bench verify`, else 100,000."""
    options = session.options
    if options.events is not None:
        return options.events, "--events"
    if options.full or options.sections == ["verify"]:
        return FULL_EVENTS, "the full figure (--full or `scripts/bench verify`)"
    return (
        QUICK_EVENTS,
        "the quick figure for `scripts/bench all`; --full or `scripts/bench verify` use 1,000,000",
    )


def verify(session: Session) -> SectionResult:
    result = SectionResult(name="verify", title="ledger verify time and RSS (bench/verify_ledger.py)")
    script = _script(result, "verify_ledger.py")
    if script is None:
        return result
    events, why = verify_events(session)
    result.settings = {
        "events": f"{events:,} ({why})",
        "command": f"python bench/verify_ledger.py --events {events}",
    }
    try:
        child = run_child([sys.executable, script, "--events", str(events)], stream_stderr=True)
    except BenchError as error:
        raise BenchError(f"bench/verify_ledger.py --events {events}: {error}") from error
    for line in _quote(result, child.stdout):
        if match := _VERIFIED.search(line):
            verdict, seconds, per_second, rss = match.groups()
            summary = f"{seconds} s ({per_second} events/s), peak RSS {rss} MiB, {verdict}"
            result.summary.append((f"ledger verify, {events:,} events requested", summary))
    result.notes.append(
        f"whole child (building the ledger, unless cached, included): {child.wall_s:.1f} s,"
        f" peak RSS {child.peak_rss_mib:.0f} MiB"
    )
    result.figures |= {
        "events": events,
        "child_wall_s": child.wall_s,
        "child_peak_rss_mib": child.peak_rss_mib,
    }
    result.summary.append(
        (
            f"verify script, {events:,} events: whole child",
            f"{child.wall_s:.1f} s, {child.peak_rss_mib:.0f} MiB peak",
        )
    )
    return result
