"""Stages 4 and 7 and the latched kill switch, on the bundled replay with a paper account.

The cycles run in process through the real composition (what `bot stage4-run` and `bot
stage7-run` do to the ledger); the kill switch is thrown, shown and cleared through the CLI.
"""

from __future__ import annotations

import json
import os
import sqlite3
from pathlib import Path

import pytest

from bot.app.ledger_commands import ledger_verify
from bot.testing.cycles import cycle_settings, run_on
from tests.integration.conftest import REPO, bot

pytestmark = pytest.mark.integration


def env_for(db: Path, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("BOT_")}
    env.update(
        BOT_STORE__PATH=str(db),
        BOT_STORE__SYNCHRONOUS="NORMAL",
        BOT_OBSERVABILITY__METRICS_ENABLED="false",
        BOT_UNIVERSE__SYMBOLS='["BTCTRY", "ETHTRY", "XRPTRY"]',
        **extra,
    )
    return env


def stage_run(stage: str, db: Path, cycles: int) -> list[str]:
    """`bot stage{stage}-run --loop --max-cycles N` on the ledger at `db`: each cycle's status."""
    settings = cycle_settings(env_for(db), dataset=REPO / "replays" / "synthetic")
    return [result.status for result in run_on(db, settings, cycles, stage=stage)]


def assert_verifies(db: Path) -> None:
    ok, report = ledger_verify(db)  # what `bot ledger verify` checks and prints
    assert ok, report


def rows(db: Path, sql: str) -> list[tuple]:
    with sqlite3.connect(f"file:{db}?mode=ro", uri=True) as conn:
        return conn.execute(sql).fetchall()


@pytest.mark.parametrize("stage", ["4", "7"])
def test_a_portfolio_stage_trades_on_paper_and_its_ledger_verifies(tmp_path, stage):
    db = tmp_path / "ledger.sqlite"
    assert stage_run(stage, db, 150) == ["ok"] * 150
    assert rows(db, "SELECT DISTINCT stage FROM cycles") == [(stage,)]
    client_ids = [cid for (cid,) in rows(db, "SELECT client_order_id FROM orders")]
    assert client_ids and all(cid.startswith(f"b{stage}-") for cid in client_ids)
    assert rows(db, "SELECT COUNT(*) FROM fills")[0][0] > 0
    universe = [
        json.loads(p) for (p,) in rows(db, "SELECT payload FROM events WHERE type = 'UniverseChanged'")
    ]
    assert universe and all(u["reasons"] for u in universe), "every universe change says why"
    assert len(universe[-1]["members"]) <= 2  # selection.size
    budget = rows(db, "SELECT COUNT(*) FROM state WHERE key = 'portfolio.budget'")[0][0]
    assert budget == (1 if stage == "7" else 0), "stage 4 neither obeys nor moves the risk budget"
    # A restart resumes from the ledger: same anchors, universe and budget, no duplicate ids.
    assert len(stage_run(stage, db, 20)) == 20
    total, distinct = rows(db, "SELECT COUNT(*), COUNT(DISTINCT client_order_id) FROM orders")[0]
    assert total == distinct >= len(client_ids)
    assert rows(db, "SELECT MAX(cycle_id) FROM cycles") == [(170,)]
    assert_verifies(db)


def test_the_kill_switch_is_latched_in_the_ledger_until_an_operator_clears_it(tmp_path):
    db = tmp_path / "ledger.sqlite"
    env = env_for(db)
    assert len(stage_run("7", db, 30)) == 30
    missing = bot(["kill-switch", "on"], env)
    assert missing.returncode == 2 and "--reason" in missing.stderr
    on = bot(["kill-switch", "on", "--reason", "exchange maintenance"], env)
    assert on.returncode == 0, on.stderr
    assert "kill switch: ON" in on.stdout and "exchange maintenance" in on.stdout
    assert "kill switch tripped" in on.stderr

    # Latched across restarts: every new order is refused by the safety gate; cancels still pass.
    for _ in range(2):
        assert len(stage_run("7", db, 40)) == 40
    after = rows(db, "SELECT verdict, reason_code, kind FROM decisions WHERE cycle_id > 30")
    submits = [(v, r) for v, r, k in after if k == "submit"]
    assert submits and set(submits) == {("rejected", "kill_switch_active")}
    assert rows(db, "SELECT COUNT(*) FROM orders WHERE cycle_id > 30") == [(0,)]
    assert all(v == "approved" for v, _, k in after if k == "cancel")
    assert "kill switch: ON" in bot(["kill-switch", "status"], env).stdout
    shown = bot(["ledger", "show"], env)
    assert shown.returncode == 0, shown.stderr
    portfolio = shown.stdout.split("Portfolio and kill switch\n", 1)[1]
    assert portfolio.startswith("  cycle 110: equity ") and "kill switch: ON" in portfolio

    off = bot(["kill-switch", "off", "--reason", "maintenance over"], env)
    assert off.returncode == 0 and "kill switch: OFF" in off.stdout
    assert "cleared by the operator" in off.stderr and "maintenance over" in off.stderr
    changes = [
        json.loads(p) for (p,) in rows(db, "SELECT payload FROM events WHERE type = 'KillSwitchChanged'")
    ]
    assert [(c["action"], c["note"]) for c in changes] == [
        ("tripped", "exchange maintenance"),
        ("cleared", "maintenance over"),
    ]
    assert_verifies(db)


def test_an_expiring_kill_switch_is_reported_expired_and_stays_recorded(tmp_path):
    db = tmp_path / "ledger.sqlite"
    env = env_for(db)
    bad = bot(["kill-switch", "on", "--reason", "x", "--expires-in", "soon"], env)
    assert bad.returncode == 2 and "90s, 30m, 2h or 1d" in bad.stderr
    on = bot(["kill-switch", "on", "--reason", "deploy window", "--expires-in", "2h"], env)
    assert on.returncode == 0 and "expires" in on.stdout


def test_the_kill_switch_can_be_thrown_on_a_ledger_whatever_the_configuration_says(tmp_path):
    db = tmp_path / "ledger.sqlite"
    env = env_for(db, BOT_PORTFOLIO__REPLACE_DRIFT_BPS="1")  # an inconsistent configuration
    refused = bot(["kill-switch", "on", "--reason", "stop"], env)
    assert refused.returncode == 2 and "portfolio.replace_drift_bps" in refused.stderr
    on = bot(["kill-switch", "on", "--reason", "configuration broken", "--db", str(db)], env)
    assert on.returncode == 0, on.stderr
    assert "kill switch: ON" in bot(["kill-switch", "status", "--db", str(db)], env).stdout
