"""The long-running daemon: metrics while it runs, a clean stop on SIGTERM, restarts that continue."""

from __future__ import annotations

import json
import signal
import sqlite3
import subprocess
import sys
import time

import httpx
import pytest

from tests.integration.conftest import REPO, bot, bot_env

pytestmark = pytest.mark.integration


def _metrics_url(proc: subprocess.Popen[str], deadline_s: float = 20.0) -> str:
    assert proc.stderr is not None
    end = time.monotonic() + deadline_s
    while time.monotonic() < end:
        line = proc.stderr.readline()
        if not line:
            break
        if '"metrics endpoint"' in line:
            return json.loads(line)["url"]
    raise AssertionError("the daemon never logged its metrics endpoint")


def test_loop_serves_metrics_and_stops_cleanly_on_sigterm(simulator, tmp_path):
    db = tmp_path / "bot.sqlite"
    env = bot_env(simulator.url, db, BOT_EXCHANGE__ADAPTER="paper")  # paper account, simulator prices
    proc = subprocess.Popen(
        [sys.executable, "-m", "bot", "run", "--loop", "--max-cycles", "0", "--cycle-seconds", "0.05"],
        env=env,
        cwd=REPO,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        url = _metrics_url(proc)
        body = ""
        for _ in range(100):  # bounded: until a few cycles have been counted
            body = httpx.get(url, timeout=5).text
            if 'bot_cycles_total{stage="3",status="ok"} 3.0' in body:
                break
            time.sleep(0.05)
        for name in (
            "bot_cycle_duration_seconds",
            "bot_cycles_total",
            "bot_decisions_total",
            "bot_orders_submitted_total",
            "bot_market_data_age_seconds",
        ):
            assert name in body, name
        proc.send_signal(signal.SIGTERM)
        _, stderr = proc.communicate(timeout=20)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode == 0, stderr[-2000:]
    assert '"reason": "SIGTERM"' in stderr
    with sqlite3.connect(db) as conn:
        started = conn.execute("SELECT COUNT(*) FROM cycles").fetchone()[0]
        unfinished = conn.execute("SELECT COUNT(*) FROM cycles WHERE completed_ms IS NULL").fetchone()[0]
    assert started >= 3
    assert unfinished == 0, "SIGTERM must let the cycle in progress finish"


def test_paper_replay_run_continues_after_restart_without_drift(tmp_path):
    env = bot_env("http://127.0.0.1:9", tmp_path / "bot.sqlite")
    env.update(BOT_EXCHANGE__ADAPTER="paper", BOT_MARKET_DATA__SOURCE="replay")
    first = bot(["run", "--loop", "--max-cycles", "150"], env)
    second = bot(["run", "--loop", "--max-cycles", "150"], env)
    assert first.returncode == 0, first.stderr[-2000:]
    assert second.returncode == 0, second.stderr[-2000:]
    assert "ledger balance drift" not in first.stderr + second.stderr
    with sqlite3.connect(tmp_path / "bot.sqlite") as conn:
        cycles = conn.execute("SELECT MIN(started_ms), MAX(started_ms), COUNT(*) FROM cycles").fetchone()
        fills = conn.execute("SELECT COUNT(*) FROM fills").fetchone()[0]
    assert cycles[2] == 300
    assert cycles[1] - cycles[0] == 299 * 60_000, "the second run resumes the replay where the first stopped"
    assert fills > 0
    assert bot(["ledger", "verify"], env).returncode == 0


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
