"""The acceptance path: stage 3 against the simulator over real HTTP on loopback.

Cycles run in process through the real composition (`bot.testing.CycleRun`); what needs a
process (the auth exit code, the instance lock, a ledger the bot refuses) runs the CLI.
"""

from __future__ import annotations

import json
import logging
import sqlite3
from collections import Counter
from decimal import Decimal
from pathlib import Path

import pytest

from bot.app.doctor import run_doctor
from bot.app.ledger_commands import ledger_verify
from bot.obs.logging import JsonFormatter
from bot.slo import SLO_NAMES
from bot.testing.cycles import cycle_settings, run_on
from tests.integration.conftest import assert_slo_verdicts, bot, bot_env

pytestmark = pytest.mark.integration


def ledger_rows(db, sql):
    with sqlite3.connect(f"file:{db}?mode=ro", uri=True) as conn:
        return conn.execute(sql).fetchall()


def sim_totals(account) -> dict[str, Decimal]:
    return {
        asset: Decimal(b["total"]) for asset, b in account["balances"].items() if Decimal(b["total"]) != 0
    }


def assert_verifies(path: Path) -> None:
    ok, report = ledger_verify(path)  # what `bot ledger verify` prints
    assert ok, report


def test_fifty_cycles_trade_and_the_ledger_matches_the_exchange_to_the_last_digit(
    paced_simulator, tmp_path, caplog
):
    caplog.set_level(logging.INFO, logger="bot.decisions")
    simulator = paced_simulator
    db = tmp_path / "bot.sqlite"
    # Nothing here depends on the wall clock, so a loaded machine sees the same run: the market
    # moves per cycle (paced_simulator), and orders wait for the market rather than for a TTL in
    # wall milliseconds. (With the market on the wall clock, 50 fast cycles covered under two
    # swings and a slow bot start shifted their phase: sometimes no exit could happen in time.)
    # Entries rest 30 bps under the bid, so even one placed at the top of a swing fills below it
    # and its take-profit target (cost + fees + margin) is reached on the next rise. At the bid,
    # an entry placed at the very top fills there and no later swing ever clears its cost.
    settings = cycle_settings(
        bot_env(simulator.url, db, BOT_STRATEGY__ENTRY_OFFSET_BPS="30", BOT_EXECUTION__ORDER_TTL_MS="3600000")
    )
    first = run_on(db, settings, 50)
    assert len(first) == 50
    json_lines = [JsonFormatter().format(r) for r in caplog.records if r.getMessage() == "decision"]
    logged = [json.loads(line) for line in json_lines]
    stored = ledger_rows(db, "SELECT cycle_id, symbol, side, verdict, reason_code, layer FROM decisions")
    assert stored, "no decision was recorded"
    assert sorted(stored) == sorted(
        (d["cycle_id"], d["symbol"], d["side"], d["verdict"], d["reason_code"], d["layer"]) for d in logged
    ), "every stored decision is logged as JSON with the same fields"
    # Resting orders keep filling while the market moves; freeze it and let one cycle reconcile.
    simulator.freeze()
    run_on(db, settings, 1)  # `bot run --once`

    fills = ledger_rows(db, "SELECT trade_id, side FROM fills")
    assert fills, "no order was filled in 50 cycles"
    assert {side for _, side in fills} == {"buy", "sell"}, "expected both entries and profit-taking exits"

    account = simulator.account()
    ledger_balances = {a: Decimal(t) for a, t in ledger_rows(db, "SELECT asset, total FROM balances")}
    ledger_balances = {a: t for a, t in ledger_balances.items() if t != 0}
    assert ledger_balances == sim_totals(account)
    assert_verifies(db)

    # Run the same cycles again against the same ledger and exchange: nothing is duplicated.
    simulator.freeze(False)
    assert len(run_on(db, settings, 10)) == 10
    simulator.freeze()
    run_on(db, settings, 1)  # `bot run --once`
    account = simulator.account()
    sim_client_ids = Counter(o["client_order_id"] for o in account["orders"])
    assert all(n == 1 for n in sim_client_ids.values()), "a client order id reached the exchange twice"
    ledger_ids = {
        cid
        for (cid,) in ledger_rows(
            db, "SELECT client_order_id FROM orders WHERE exchange_order_id IS NOT NULL"
        )
    }
    assert ledger_ids == set(sim_client_ids)
    sim_trades = {str(t["id"]) for t in account["trades"]}
    ledger_trades = [tid for (tid,) in ledger_rows(db, "SELECT trade_id FROM fills")]
    assert len(ledger_trades) == len(set(ledger_trades))
    assert set(ledger_trades) == sim_trades
    final_balances = {
        a: Decimal(t) for a, t in ledger_rows(db, "SELECT asset, total FROM balances") if Decimal(t) != 0
    }
    assert final_balances == sim_totals(account)
    assert_verifies(db)

    # The golden calm run: `bot doctor` finds every SLO met, each with a value, and the exchange's
    # clock, symbols and keys in order.
    report = run_doctor(settings)
    findings = {f.name: f for f in report.findings}
    assert report.failing(strict=True) == [], [f.as_json() for f in report.failing(strict=True)]
    assert_slo_verdicts(
        {f.name.removeprefix("slo."): f.status for f in report.findings if f.name.startswith("slo.")}, set()
    )
    for name in SLO_NAMES:
        assert findings[f"slo.{name}"].value is not None, name
    assert (
        findings["slo.retry_ratio"].status == "pass"
        and findings["slo.submit_latency_p99_ms"].status == "pass"
    )
    assert {findings[n].status for n in ("exchange.clock", "exchange.symbols", "exchange.keys")} == {"pass"}


def test_wrong_secret_is_an_auth_error_and_nothing_is_traded(simulator, tmp_path):
    db = tmp_path / "bot.sqlite"
    wrong = "d3Jvbmctc2VjcmV0LXdyb25nLXNlY3JldC13cm9uZyE="
    result = bot(["run", "--once"], bot_env(simulator.url, db, BOT_EXCHANGE__API_SECRET=wrong))
    assert result.returncode == 5
    assert "Unauthorized" in result.stderr
    assert simulator.account()["orders"] == []


def test_a_second_instance_on_the_same_database_is_refused(simulator, tmp_path):
    from bot.app.lock import InstanceLock

    db = tmp_path / "bot.sqlite"
    with InstanceLock(db):
        result = bot(["run", "--once"], bot_env(simulator.url, db))
    assert result.returncode == 3
    assert "another bot process holds" in result.stderr


def test_a_database_from_a_newer_version_is_refused_and_left_unchanged(simulator, tmp_path):
    db = tmp_path / "bot.sqlite"
    env = bot_env(simulator.url, db)
    run_on(db, cycle_settings(env), 1)  # `bot run --once`, in process: a ledger of this version
    conn = sqlite3.connect(db)
    conn.execute("PRAGMA user_version = 999")
    conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    conn.close()
    before = db.read_bytes()
    result = bot(["run", "--once"], env)
    assert result.returncode == 4
    assert "newer than this bot knows" in result.stderr
    assert db.read_bytes() == before
