"""Stage 7 against the simulator at a cadence faster than BTCTurk's account endpoints allow:
how many cycles the client's own rate limiter degrades, with paced account reads (the default)
or with a read every cycle. Prints figures with the settings and the core count; asserts nothing.

A `bot exchange-sim` child (the simulator profile's account, `--fault enforce_rate_limits=true`
so it answers 429 above BTCTurk's limits), then `bot stage7-run --loop --max-cycles N
--cycle-seconds S` on the simulator's env file (`--env-file`: REST, graph, WebSocket feed, keys),
in a child, on a fresh ledger. Counted from the ledger afterwards: cycles by status, cycles that
read the account and cycles that reused the last read, requests refused by the client's own
limiter, 429s answered by the simulator, orders placed.

    .venv/bin/python bench/paced_account_reads.py [--cycles 1000] [--cycle-seconds 0.25]
        [--account-reads paced|every_cycle]
"""

from __future__ import annotations

import argparse
import json
import os
import sqlite3
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--cycles", type=int, default=1000)
    parser.add_argument("--cycle-seconds", type=float, default=0.25)
    parser.add_argument("--account-reads", choices=["paced", "every_cycle"], default="paced")
    args = parser.parse_args()
    print(f"machine            {os.cpu_count()} cores, Python {sys.version.split()[0]}")
    print(
        f"run                bot stage7-run --loop --max-cycles {args.cycles} --cycle-seconds"
        f" {args.cycle_seconds:g}, exchange.account_reads = {args.account_reads}"
    )
    print("exchange           bot exchange-sim --config configs/simulator/exchange-sim.toml"
          " --fault enforce_rate_limits=true (429 above BTCTurk's limits); WebSocket feed")  # fmt: skip
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        env_file = work / "sim.env"
        sim = subprocess.Popen(
            [sys.executable, "-m", "bot", "exchange-sim", "--config", "configs/simulator/exchange-sim.toml",
             "--port", "0", "--env-file", str(env_file), "--fault", "enforce_rate_limits=true"],
            cwd=REPO, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )  # fmt: skip
        try:
            for _ in range(200):
                if env_file.exists():
                    break
                time.sleep(0.05)
            env = {k: v for k, v in os.environ.items() if not k.startswith("BOT_")}
            for line in env_file.read_text().splitlines():
                if line and not line.startswith("#"):
                    key, value = line.split("=", 1)
                    env[key] = value
            env.update(
                BOT_STORE__PATH=str(work / "bot.sqlite"),
                BOT_STORE__SYNCHRONOUS="NORMAL",
                BOT_OBSERVABILITY__METRICS_ENABLED="false",
                BOT_OBSERVABILITY__LOG_LEVEL="WARNING",
                BOT_EXCHANGE__ACCOUNT_READS=args.account_reads,
            )
            started = time.perf_counter()
            done = subprocess.run(
                [sys.executable, "-m", "bot", "stage7-run", "--loop", "--max-cycles", str(args.cycles),
                 "--cycle-seconds", str(args.cycle_seconds), "--json"],
                cwd=REPO, env=env, capture_output=True, text=True, check=False,
            )  # fmt: skip
            elapsed = time.perf_counter() - started
            if done.returncode != 0:
                raise SystemExit(f"the run failed (exit {done.returncode}): {done.stderr[-2000:]}")
            state = json.loads(
                subprocess.run(
                    [sys.executable, "-c", "import httpx,sys; print(httpx.get(sys.argv[1]).text)",
                     env["BOT_EXCHANGE__BASE_URL"] + "/_sim/state"],
                    capture_output=True, text=True, check=True,
                ).stdout
            )  # fmt: skip
        finally:
            sim.terminate()
            sim.wait(timeout=10)
        with sqlite3.connect(work / "bot.sqlite") as conn:
            statuses = dict(conn.execute("SELECT status, COUNT(*) FROM cycles GROUP BY status").fetchall())
            counters = [json.loads(c) for (c,) in conn.execute("SELECT counters FROM cycles")]
            orders = conn.execute("SELECT COUNT(*) FROM orders").fetchone()[0]
    deferred = sum(1 for c in counters if c.get("account_deferred"))
    refused = sum(c.get("requests_refused", 0) for c in counters)
    rate_limited = sum(c.get("rate_limited", 0) for c in counters)
    print(f"  cycles                 {len(counters):,} in {elapsed:.1f} s")
    print(f"  by status              {', '.join(f'{n:,} {s}' for s, n in sorted(statuses.items()))}")
    print(f"  degraded               {statuses.get('degraded', 0):,}")
    print(f"  account read / reused  {len(counters) - deferred:,} / {deferred:,}")
    print(f"  refused by own limiter {refused:,} requests")
    print(f"  429 from the exchange  {rate_limited:,}")
    print(f"  orders placed          {orders:,}")
    over = {
        g: w
        for g, windows in state.get("rate_limits", {}).items()
        for w in windows.values()
        if w.get("over_limit")
    }
    print(f"  windows over a limit   {len(over)} (simulator's count)")


if __name__ == "__main__":
    main()
