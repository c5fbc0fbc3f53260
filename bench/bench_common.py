"""What every section of `scripts/bench` shares: the session (temporary folder, bytecode cache,
options, figures one section leaves for another), the bot's environment, child processes measured
with `os.wait4`, progress on stderr, and the result a section hands to the report.
"""

from __future__ import annotations

import argparse
import math
import os
import re
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
BUNDLED_DATASET = REPO / "replays" / "synthetic"
THREE_SYMBOLS = ("BTCTRY", "ETHTRY", "XRPTRY")
STAGE_COMMANDS = {"3": "run", "4": "stage4-run", "7": "stage7-run"}
_STARTED = time.perf_counter()
_SUMMARY_LINE = re.compile(r"^(\d+) cycles \(")


class BenchError(Exception):
    """A section cannot produce its figures; the message says why in one line."""


@dataclass(frozen=True, slots=True, kw_only=True)
class Table:
    title: str
    columns: tuple[str, ...]
    rows: Sequence[tuple[str, ...]]


@dataclass(slots=True, kw_only=True)
class SectionResult:
    """What a section measured: settings and tables to print, figures for --json, and the lines
    it contributes to the closing summary (figure, value). `error` set: the section failed."""

    name: str
    title: str
    settings: dict[str, str] = field(default_factory=dict)
    tables: list[Table] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    figures: dict[str, object] = field(default_factory=dict)
    summary: list[tuple[str, str]] = field(default_factory=list)
    error: str | None = None


@dataclass(slots=True)
class Session:
    """One `scripts/bench` run: a temporary folder removed at the end, a bytecode cache shared by
    every child so no child times the compiler, and figures sections leave for later ones."""

    options: argparse.Namespace
    work: Path
    pycache: Path
    figures: dict[str, float] = field(default_factory=dict)
    datasets: dict[tuple[int, int], Path] = field(default_factory=dict)

    def scratch(self, prefix: str) -> tempfile.TemporaryDirectory[str]:
        return tempfile.TemporaryDirectory(prefix=prefix, dir=self.work)


def progress(message: str) -> None:
    """A progress line on stderr (stdout carries only the report)."""
    sys.stderr.write(f"[bench {time.perf_counter() - _STARTED:7.1f} s] {message}\n")
    sys.stderr.flush()


def env_name(dotted: str) -> str:
    """`store.path` -> `BOT_STORE__PATH`, `mode` -> `BOT_MODE` (bot.config.keys)."""
    return "BOT_" + dotted.upper().replace(".", "__")


def bot_env(session: Session, settings: Mapping[str, str]) -> dict[str, str]:
    """This process's environment without any BOT_* variable, plus `settings` as BOT_* overrides,
    with bytecode read from and written to the session's cache."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("BOT_")}
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    env["PYTHONPYCACHEPREFIX"] = str(session.pycache)
    env.update({env_name(dotted): value for dotted, value in settings.items()})
    return env


def replay_settings(
    db: Path,
    *,
    synchronous: str = "FULL",
    symbols: Sequence[str] = THREE_SYMBOLS,
    dataset: Path | None = None,
) -> dict[str, str]:
    """Shipped defaults (no profile) over a replay, with these overrides only."""
    return {
        "store.path": str(db),
        "store.synchronous": synchronous,
        "universe.symbols": ",".join(symbols),
        "market_data.dataset": str(dataset or BUNDLED_DATASET),
        "observability.log_level": "WARNING",
        "observability.metrics_enabled": "false",
    }


@dataclass(frozen=True, slots=True)
class ChildRun:
    wall_s: float  # process start to exit
    cpu_s: float  # user + system of the child
    peak_rss_mib: float  # the child's own peak (ru_maxrss)
    stdout: str
    stderr: str


def run_child(
    command: Sequence[str],
    env: Mapping[str, str] | None = None,
    *,
    sample: Callable[[int], None] | None = None,
    sample_every_s: float = 0.5,
    stream_stderr: bool = False,
) -> ChildRun:
    """Run `command` from the repository root; raises BenchError on a non-zero exit. `sample` is
    called with the child's pid every `sample_every_s` from a thread while it runs."""
    with tempfile.TemporaryFile("w+") as out, tempfile.TemporaryFile("w+") as err:
        started = time.perf_counter()
        child = subprocess.Popen(
            list(command),
            cwd=REPO,
            env=dict(env or os.environ),
            stdout=out,
            stderr=None if stream_stderr else err,
            text=True,
        )
        stop = threading.Event()
        sampler = None
        if sample is not None:
            sampler = threading.Thread(target=_sample_until, args=(sample, child.pid, stop, sample_every_s))
            sampler.start()
        _, status, usage = os.wait4(child.pid, 0)
        wall = time.perf_counter() - started
        child.returncode = os.waitstatus_to_exitcode(status)
        stop.set()
        if sampler is not None:
            sampler.join()
        out.seek(0)
        err.seek(0)
        run = ChildRun(wall, usage.ru_utime + usage.ru_stime, usage.ru_maxrss / 1024, out.read(), err.read())
    if child.returncode != 0:
        shown = " ".join(Path(c).name if c == sys.executable else c for c in command[:4])
        raise BenchError(f"`{shown} ...` exited {child.returncode}: {last_line(run.stderr or run.stdout)}")
    return run


def _sample_until(sample: Callable[[int], None], pid: int, stop: threading.Event, every_s: float) -> None:
    while not stop.is_set():
        sample(pid)
        stop.wait(every_s)


def last_line(text: str) -> str:
    lines = [line.strip() for line in text.strip().splitlines() if line.strip()]
    return lines[-1][:300] if lines else "(no output)"


def bot_command(*args: str) -> list[str]:
    """The real command line, as the `bot` console script runs it."""
    return [sys.executable, "-m", "bot", *args]


def replay_run(
    session: Session,
    stage: str,
    cycles: int,
    settings: Mapping[str, str],
    *,
    sample: Callable[[int], None] | None = None,
    sample_every_s: float = 0.5,
) -> ChildRun:
    """`bot <stage command> --loop --max-cycles N` in a child; checks it ran N cycles."""
    command = bot_command(STAGE_COMMANDS[stage], "--loop", "--max-cycles", str(cycles))
    env = bot_env(session, settings)
    run = run_child(command, env, sample=sample, sample_every_s=sample_every_s)
    ran = cycles_in_summary(run.stdout)
    if ran != cycles:
        raise BenchError(f"stage {stage} ran {ran} cycles, not {cycles} (dataset too short?)")
    return run


def warm_bytecode(session: Session) -> None:
    """One unmeasured `--once` run per stage command, so no measured child compiles bytecode."""
    for stage in ("3", "7"):
        with session.scratch("warm-") as tmp:
            settings = replay_settings(Path(tmp) / "ledger.sqlite")
            try:
                run_child(bot_command(STAGE_COMMANDS[stage], "--once"), bot_env(session, settings))
            except BenchError as error:
                progress(f"warm-up of stage {stage} failed ({error}); its first measured run compiles")


def cycles_in_summary(stdout: str) -> int | None:
    """The cycle count from the run command's closing line `N cycles (...)`."""
    for line in stdout.splitlines():
        match = _SUMMARY_LINE.match(line.strip())
        if match:
            return int(match.group(1))
    return None


def git_commit() -> str:
    """The short commit, with `+changes` when tracked files differ from it (read-only git calls)."""
    try:
        commit = _git("rev-parse", "--short", "HEAD")
        changed = _git("--no-optional-locks", "status", "--porcelain", "--untracked-files=no")
    except (OSError, subprocess.CalledProcessError):
        return "unknown"
    return f"{commit}+changes" if changed else commit


def _git(*args: str) -> str:
    done = subprocess.run(["git", *args], cwd=REPO, capture_output=True, text=True, check=True)
    return done.stdout.strip()


def fsync_ms(folder: Path, seconds: float = 1.0) -> float:
    """Mean time of a 4 KiB write + fsync in `folder`: what a synchronous=FULL commit waits for at
    least. Shared machines vary a lot here; the figure says how the disk was during the run."""
    path = folder / "fsync-probe"
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT, 0o600)
    try:
        count, started = 0, time.perf_counter()
        while time.perf_counter() - started < seconds:
            os.write(descriptor, b"x" * 4096)
            os.fsync(descriptor)
            count += 1
        return (time.perf_counter() - started) / count * 1000
    finally:
        os.close(descriptor)
        path.unlink()


def rate(count: float, seconds: float) -> float | None:
    return count / seconds if seconds > 0 else None


def fmt(value: float | None, digits: int = 0, unit: str = "") -> str:
    """A number for a table cell, `n/a` for None; thousands separated."""
    if value is None:
        return "n/a"
    text = f"{value:,.{digits}f}"
    return f"{text} {unit}" if unit else text


def percentile(values: Sequence[float], share: float) -> float:
    """Nearest-rank percentile of a non-empty sequence (share 0.5 = median, 0.99 = p99)."""
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, math.ceil(share * len(ordered)) - 1))]
