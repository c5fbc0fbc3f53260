"""The long-running daemon: metrics while it runs, a clean stop on SIGTERM, restarts that continue.

Signals, the metrics server and exit codes need the process; a restart's continuity is checked
in process (`bot.testing.cycles`), on the ledger file a restarted daemon would open.
"""

from __future__ import annotations

import json
import logging
import re
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

from bot.app.ledger_commands import ledger_verify
from bot.testing.cycles import cycle_settings, run_on
from tests.integration.conftest import REPO, bot, bot_env

pytestmark = pytest.mark.integration


def _metrics_url(log: Path, attempts: int = 400) -> str:
    """The URL the daemon logged; its log goes to a file, so no pipe can fill and stall it."""
    for _ in range(attempts):  # bounded: 400 x 0.05 s
        for line in log.read_text(encoding="utf-8", errors="replace").splitlines():
            if '"metrics endpoint"' in line:
                return json.loads(line)["url"]
        time.sleep(0.05)
    raise AssertionError("the daemon never logged its metrics endpoint:\n" + log.read_text()[-2000:])


def _ok_cycles(body: str) -> float:
    found = re.search(r'^bot_cycles_total\{stage="3",status="ok"\} (\S+)$', body, re.M)
    return float(found.group(1)) if found else 0.0


def test_loop_serves_metrics_and_stops_cleanly_on_sigterm(simulator, tmp_path):
    db = tmp_path / "bot.sqlite"
    env = bot_env(simulator.url, db, BOT_EXCHANGE__ADAPTER="paper")  # paper account, simulator prices
    log = tmp_path / "stderr.log"
    with log.open("w") as stderr_file:
        proc = subprocess.Popen(
            [sys.executable, "-m", "bot", "run", "--loop", "--max-cycles", "0", "--cycle-seconds", "0.05"],
            env=env,
            cwd=REPO,
            stdout=subprocess.DEVNULL,
            stderr=stderr_file,
            text=True,
        )
    try:
        url = _metrics_url(log)
        body = ""
        for _ in range(200):  # bounded: 200 x 0.05 s, until a few cycles have been counted
            body = httpx.get(url, timeout=5).text
            if _ok_cycles(body) >= 3:
                break
            time.sleep(0.05)
        assert _ok_cycles(body) >= 3, "the metrics count the cycles as they complete"
        for name in (
            "bot_cycle_duration_seconds",
            "bot_cycles_total",
            "bot_decisions_total",
            "bot_orders_submitted_total",
            "bot_market_data_age_seconds",
            "bot_ledger_info",
            "process_cpu_seconds_total",
        ):
            assert name in body, name
        # The SLOs from the daemon's own ledger, as `bot doctor` judges them (the first cycle's).
        assert 'bot_slo_status{slo="failed_cycles"} 0.0' in body
        latency = next(
            line for line in body.splitlines() if line.startswith('bot_slo_value{slo="cycle_latency_p99_ms"}')
        )
        assert float(latency.split()[-1]) >= 0, "a value, not NaN: the first cycle was judged"
        # `bot doctor` beside the running daemon: read-only and lock-free, it reads the ledger the
        # daemon is writing and finds the metrics port served by this ledger's daemon.
        port = url.rsplit(":", 1)[1].split("/")[0]
        doctor = bot(
            ["doctor", "--json", "--no-exchange", "--set", f"observability.metrics_port={port}"], env
        )
        assert doctor.returncode in (0, 1), doctor.stderr  # not 3 (locked) nor 4 (unusable)
        findings = {f["name"]: f for f in json.loads(doctor.stdout)["findings"]}
        assert findings["metrics.port"]["status"] == "pass", findings["metrics.port"]
        assert "served by this ledger's daemon" in findings["metrics.port"]["detail"]
        assert findings["ledger.integrity"]["status"] == "pass"
        assert findings["slo.failed_cycles"]["status"] == "pass"
        proc.send_signal(signal.SIGTERM)
        proc.wait(timeout=20)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait(timeout=10)
    stderr = log.read_text()
    assert proc.returncode == 0, stderr[-2000:]
    assert '"reason": "SIGTERM"' in stderr
    with sqlite3.connect(db) as conn:
        started = conn.execute("SELECT COUNT(*) FROM cycles").fetchone()[0]
        unfinished = conn.execute("SELECT COUNT(*) FROM cycles WHERE completed_ms IS NULL").fetchone()[0]
    assert started >= 3
    assert unfinished == 0, "SIGTERM must let the cycle in progress finish"


def test_paper_replay_run_continues_after_restart_without_drift(tmp_path, caplog):
    caplog.set_level(logging.INFO, logger="bot")
    db = tmp_path / "bot.sqlite"
    env = bot_env("http://127.0.0.1:9", db, BOT_EXCHANGE__ADAPTER="paper", BOT_MARKET_DATA__SOURCE="replay")
    settings = cycle_settings(env, dataset=REPO / "replays" / "synthetic")
    assert len(run_on(db, settings, 150)) == 150  # `bot run --loop --max-cycles 150`, twice
    assert len(run_on(db, settings, 150)) == 150
    # The paper account is rebuilt from the ledger at the restart: it agrees with it to the digit.
    disagreements = [r.getMessage() for r in caplog.records if "balances disagree" in r.getMessage()]
    assert disagreements == []
    with sqlite3.connect(db) as conn:
        cycles = conn.execute("SELECT MIN(started_ms), MAX(started_ms), COUNT(*) FROM cycles").fetchone()
        fills = conn.execute("SELECT COUNT(*) FROM fills").fetchone()[0]
        drift_events = conn.execute(
            "SELECT COUNT(*) FROM events WHERE type = 'BalanceDriftChanged'"
        ).fetchone()
    assert drift_events == (0,)
    assert cycles[2] == 300
    assert cycles[1] - cycles[0] == 299 * 60_000, "the second run resumes the replay where the first stopped"
    assert fills > 0
    ok, report = ledger_verify(db)  # what `bot ledger verify` checks and prints
    assert ok, report


def test_bad_configuration_is_refused_naming_the_key(tmp_path):
    profile = tmp_path / "bad.toml"
    profile.write_text("[risk]\nmax_orders_per_cycl = 2\nmax_notional_per_order_try = 2000.5\n")
    result = bot(["config", "check", "--config", str(profile)], {"PATH": ""})
    assert result.returncode == 2
    assert "risk.max_orders_per_cycl" in result.stderr
    assert "max_orders_per_cycle" in result.stderr  # the suggested fix
    override = bot(["run", "--once", "--set", "risk.max_notional_per_order_try=9000"], {"PATH": ""})
    assert override.returncode == 2
    assert "max_notional_per_cycle_try" in override.stderr


def test_a_corrupt_ledger_file_is_refused_naming_it(tmp_path):
    db = tmp_path / "bot.sqlite"
    db.write_bytes(b"this is not a database" * 100)
    before = db.read_bytes()
    result = bot(["ledger", "show", "--db", str(db)], {"PATH": ""})
    assert result.returncode == 4
    assert str(db) in result.stderr
    assert db.read_bytes() == before
