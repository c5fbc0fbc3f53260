"""Stage 7 in live mode against the simulator: nothing reaches the exchange until it is armed,
and once armed its orders, fills and balances agree with the exchange to the last digit.

Cycles run in process through the real composition; the market moves a step per cycle.
"""

from __future__ import annotations

import sqlite3
from collections import Counter
from decimal import Decimal

import pytest

from bot.app.ledger_commands import ledger_verify
from bot.config.schema import LIVE_ACK_PHRASE
from bot.testing.cycles import cycle_settings, run_on
from tests.integration.conftest import bot_env

pytestmark = pytest.mark.integration


def rows(db, sql):
    with sqlite3.connect(f"file:{db}?mode=ro", uri=True) as conn:
        return conn.execute(sql).fetchall()


def nonzero(balances: dict[str, Decimal]) -> dict[str, Decimal]:
    return {asset: total for asset, total in balances.items() if total != 0}


def test_stage7_live_places_nothing_until_armed_then_trades_and_matches_the_exchange(
    paced_simulator, tmp_path
):
    simulator = paced_simulator
    db = tmp_path / "live.sqlite"
    live = bot_env(
        simulator.url,
        db,
        BOT_MODE="live",
        BOT_STORE__SYNCHRONOUS="FULL",
        BOT_UNIVERSE__SYMBOLS='["BTCTRY", "ETHTRY"]',
    )
    assert len(run_on(db, cycle_settings(live), 30, stage="7")) == 30
    submits = rows(db, "SELECT DISTINCT verdict, reason_code, layer FROM decisions WHERE kind = 'submit'")
    assert submits == [("rejected", "live_not_armed", "safety_gate")]
    assert simulator.account()["orders"] == [], "an unarmed live run reached the exchange"

    armed = {**live, "BOT_SAFETY__LIVE_ARMED": "true", "BOT_SAFETY__LIVE_ACK": LIVE_ACK_PHRASE}
    # 60 cycles: six swings of the paced market. Cycles here do not wait for a period, and more
    # than ~90 a minute would run into the client's own rate limiter (80 % of BTCTurk's 120
    # balance reads a minute) and be abandoned, which is not what this test is about.
    assert len(run_on(db, cycle_settings(armed), 60, stage="7")) == 60
    simulator.freeze()
    run_on(db, cycle_settings(armed), 1, stage="7")  # `stage7-run --once`: reconcile a still market

    account = simulator.account()
    sent = Counter(o["client_order_id"] for o in account["orders"])
    assert sent, "the armed run placed no order"
    assert all(n == 1 for n in sent.values()), "a client order id reached the exchange twice"
    assert all(cid.startswith("b7-") for cid in sent)
    assert rows(db, "SELECT DISTINCT stage, mode FROM cycles") == [("7", "live")]
    ledger_trades = sorted(tid for (tid,) in rows(db, "SELECT trade_id FROM fills"))
    assert ledger_trades == sorted(str(t["id"]) for t in account["trades"])
    ledger = nonzero({a: Decimal(t) for a, t in rows(db, "SELECT asset, total FROM balances")})
    exchange = nonzero({a: Decimal(b["total"]) for a, b in account["balances"].items()})
    assert ledger == exchange
    ok, report = ledger_verify(db)  # what `bot ledger verify` checks and prints
    assert ok, report
