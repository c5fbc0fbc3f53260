"""A daemon that lost its ledger to another process (a newer fencing token) stops writing at once."""

from __future__ import annotations

import json
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.integration.conftest import REPO
from tests.integration.test_ledger_damage import paper_env

pytestmark = pytest.mark.integration


def test_a_daemon_whose_fencing_token_was_superseded_stops_with_exit_3(tmp_path: Path) -> None:
    db = tmp_path / "ledger.sqlite"
    daemon = subprocess.Popen(
        [sys.executable, "-m", "bot", "run", "--loop", "--max-cycles", "0"],
        # One commit per cycle, as a daemon trading against an exchange does: a batching backtest
        # holds the write lock for its whole batch, so no other process could write meanwhile.
        env=paper_env(db) | {"BOT_LOOP__CYCLE_SECONDS": "60", "BOT_STORE__BACKTEST_BATCH_CYCLES": "1"},
        cwd=REPO,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        head = Path(f"{db}.head")
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline and (not head.exists() or json.loads(head.read_text())["seq"] < 50):
            time.sleep(0.05)
        assert daemon.poll() is None, daemon.stderr.read() if daemon.stderr else ""
        # Another process takes the ledger over, as a second bot would after breaking a stale lock.
        with sqlite3.connect(db, timeout=10) as conn:
            token = int(
                conn.execute("SELECT value FROM state WHERE key = 'lock.fencing_token'").fetchone()[0]
            )
            conn.execute("UPDATE state SET value = ? WHERE key = 'lock.fencing_token'", (str(token + 1),))
            taken_over_at = conn.execute("SELECT MAX(seq) FROM events").fetchone()[0]
        _, stderr = daemon.communicate(timeout=30)
    finally:
        if daemon.poll() is None:
            daemon.send_signal(signal.SIGKILL)
            daemon.wait()
    assert daemon.returncode == 3, stderr[-2000:]
    errors = [line for line in stderr.splitlines() if line.startswith("error:")]
    assert len(errors) == 1 and "taken over by another process" in errors[0], stderr[-2000:]
    assert "Traceback" not in stderr
    with sqlite3.connect(db) as conn:  # not one event after the takeover
        assert conn.execute("SELECT MAX(seq) FROM events").fetchone()[0] == taken_over_at
