"""Time from process start to the first completed cycle of an offline paper replay, CLI import
time and peak memory, through the real command line.

Each run starts `python -m bot stage7-run --once` (paper adapter, bundled replay dataset, no keys,
no network) in a fresh process on a fresh temporary ledger and watches its stderr: the first
completed cycle is the moment the `cycle completed` log line arrives. Peak RSS is the child's own
(`os.wait4`). CLI import time is the cumulative `-X importtime` figure of `bot.cli.main` in a
separate process. Prints the median and minimum over N runs with the settings and the core count;
asserts nothing.

Bytecode: a deployed daemon imports from cached `.pyc` files. So that an environment with
PYTHONDONTWRITEBYTECODE (or a tree whose caches are stale) does not time the compiler, the
children cache bytecode under a temporary PYTHONPYCACHEPREFIX, filled by one unmeasured warm-up
run; `--as-environment` runs them with the caller's bytecode settings instead.

    .venv/bin/python bench/first_cycle.py [--runs 5] [--stage 7] [--symbols BTCTRY,ETHTRY,XRPTRY]
"""

from __future__ import annotations

import argparse
import os
import re
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
CYCLE_DONE = '"event": "cycle completed"'
_IMPORT_LINE = re.compile(r"import time:\s+\d+ \|\s+(\d+) \|\s*bot\.cli\.main$")


@dataclass(frozen=True, slots=True)
class Run:
    first_cycle_s: float
    exit_s: float
    cpu_s: float  # user + system time of the whole process: steadier than wall time on a busy machine
    peak_rss_mib: float


def child_env(pycache: Path | None) -> dict[str, str]:
    """The caller's environment without BOT_* variables (an unknown one is a configuration
    error); with `pycache`, bytecode is written to and read from there."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("BOT_")}
    if pycache is not None:
        env.pop("PYTHONDONTWRITEBYTECODE", None)
        env["PYTHONPYCACHEPREFIX"] = str(pycache)
    return env


def run_once(stage: str, symbols: str, dataset: str, env: dict[str, str]) -> Run:
    with tempfile.TemporaryDirectory() as tmp:
        command = [
            sys.executable, "-m", "bot", f"stage{stage}-run" if stage != "3" else "run", "--once",
            "--set", f"store.path={Path(tmp) / 'ledger.sqlite'}",
            "--set", f"universe.symbols={symbols}",
            "--set", f"market_data.dataset={dataset}",
        ]  # fmt: skip
        started = time.perf_counter()
        child = subprocess.Popen(
            command, cwd=REPO, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True
        )
        first_cycle = None
        assert child.stderr is not None
        for line in child.stderr:
            if first_cycle is None and CYCLE_DONE in line:
                first_cycle = time.perf_counter() - started
        _, status, usage = os.wait4(child.pid, 0)
        exited = time.perf_counter() - started
        child.returncode = os.waitstatus_to_exitcode(status)
    if child.returncode != 0 or first_cycle is None:
        raise SystemExit(f"`{' '.join(command)}` failed (exit {child.returncode}, no completed cycle seen)")
    # Linux reports ru_maxrss in KiB.
    return Run(
        first_cycle_s=first_cycle,
        exit_s=exited,
        cpu_s=usage.ru_utime + usage.ru_stime,
        peak_rss_mib=usage.ru_maxrss / 1024,
    )


def cli_import_s(env: dict[str, str]) -> float:
    """Cumulative import time of `bot.cli.main` (everything `bot --help` loads), in seconds."""
    done = subprocess.run(
        [sys.executable, "-X", "importtime", "-c", "import bot.cli.main"],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    for line in done.stderr.splitlines():
        match = _IMPORT_LINE.search(line.rstrip())
        if match:
            return int(match.group(1)) / 1e6
    raise SystemExit("no `bot.cli.main` line in the -X importtime output")


def _figure(values: list[float], unit: str, scale: float = 1.0, digits: int = 3) -> str:
    return (
        f"median {statistics.median(values) * scale:.{digits}f} {unit}, "
        f"min {min(values) * scale:.{digits}f} {unit}, max {max(values) * scale:.{digits}f} {unit}"
    )


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--stage", default="7", choices=["3", "4", "7"])
    parser.add_argument("--symbols", default="BTCTRY,ETHTRY,XRPTRY")
    parser.add_argument("--dataset", default="replays/synthetic")
    parser.add_argument(
        "--as-environment", action="store_true", help="use the caller's bytecode settings (no warm cache)"
    )
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as pycache:
        env = child_env(None if args.as_environment else Path(pycache))
        if not args.as_environment:
            run_once(args.stage, args.symbols, args.dataset, env)  # fills the bytecode cache
        runs = [run_once(args.stage, args.symbols, args.dataset, env) for _ in range(args.runs)]
        imports = [cli_import_s(env) for _ in range(args.runs)]
    bytecode = "as the environment says" if args.as_environment else "warm cache (PYTHONPYCACHEPREFIX)"
    print(f"machine            {os.cpu_count()} cores, Python {sys.version.split()[0]}")
    print(
        f"command            bot {'run' if args.stage == '3' else f'stage{args.stage}-run'} --once, "
        f"paper over {args.dataset}, symbols {args.symbols}, fresh ledger, {args.runs} runs"
    )
    print(f"bytecode           {bytecode}")
    print(f"to first cycle     {_figure([r.first_cycle_s for r in runs], 's')}")
    print(f"to exit            {_figure([r.exit_s for r in runs], 's')}")
    print(f"CPU, whole process {_figure([r.cpu_s for r in runs], 's')} (user + system)")
    print(f"CLI import         {_figure(imports, 'ms', 1000, 1)} (bot.cli.main, -X importtime)")
    print(f"peak RSS           {_figure([r.peak_rss_mib for r in runs], 'MiB', digits=1)}")


if __name__ == "__main__":
    main()
