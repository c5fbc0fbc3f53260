"""A paper replay reads its dataset from disk as it goes: a file that turns bad under a running
`bot run --loop` stops it with one line naming the file and row, exit 2, and no traceback."""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

from bot.replay import init_synthetic

pytestmark = pytest.mark.integration
REPO = Path(__file__).resolve().parents[2]
ROWS = 6_000  # ~420 KiB: the run is well inside the file when the bad row is appended


def committed_cycles(db: Path) -> int:
    try:
        with sqlite3.connect(f"file:{db}?mode=ro", uri=True) as conn:
            return int(conn.execute("SELECT COUNT(*) FROM cycles").fetchone()[0])
    except sqlite3.Error:
        return 0  # not created yet


def test_a_row_that_turns_bad_mid_run_stops_the_run_with_one_line(tmp_path: Path) -> None:
    dataset = tmp_path / "btc"
    init_synthetic(dataset, steps=ROWS, symbols=["BTCTRY"])
    db = tmp_path / "ledger.sqlite"
    env = {k: v for k, v in os.environ.items() if not k.startswith("BOT_")}
    env |= {
        "BOT_STORE__PATH": str(db),
        "BOT_STORE__SYNCHRONOUS": "NORMAL",
        "BOT_MARKET_DATA__DATASET": str(dataset),
        "BOT_UNIVERSE__SYMBOLS": '["BTCTRY"]',
        "BOT_OBSERVABILITY__METRICS_ENABLED": "false",
        "BOT_OBSERVABILITY__LOG_LEVEL": "WARNING",
    }
    run = subprocess.Popen(
        [sys.executable, "-m", "bot", "run", "--loop"],
        env=env,
        cwd=REPO,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        deadline = time.monotonic() + 60
        while committed_cycles(db) == 0:  # past the checking pass: the replay is reading the file
            assert run.poll() is None, run.communicate()
            assert time.monotonic() < deadline, "no cycle committed within 60 s"
            time.sleep(0.05)
        csv_path = dataset / "BTCTRY.csv"
        with csv_path.open("a") as handle:
            handle.write("1704427200000,oops\n")
        _, stderr = run.communicate(timeout=300)
    finally:
        run.kill()

    assert run.returncode == 2, stderr[-3000:]
    assert "Traceback" not in stderr
    # The same line, exit code and prefix as a dataset that is bad at start.
    assert stderr.strip().splitlines()[-1] == (
        f"error: invalid configuration: market_data.dataset: {csv_path}:{ROWS + 2}: expected 7 columns "
        "(ts_ms,bid,ask,last,bid_qty,ask_qty,volume), found 2. Fix: write one value per column, "
        "no trailing comma"
    )
    assert committed_cycles(db) > 1_000  # it replayed up to the bad row
