"""Stage 7 in live mode against the simulator: nothing reaches the exchange until it is armed,
and once armed its orders, fills and balances agree with the exchange to the last digit."""

from __future__ import annotations

import sqlite3
from collections import Counter
from decimal import Decimal

import pytest

from bot.config.schema import LIVE_ACK_PHRASE
from tests.integration.conftest import bot, bot_env

pytestmark = pytest.mark.integration


def rows(db, sql):
    with sqlite3.connect(f"file:{db}?mode=ro", uri=True) as conn:
        return conn.execute(sql).fetchall()


def nonzero(balances: dict[str, Decimal]) -> dict[str, Decimal]:
    return {asset: total for asset, total in balances.items() if total != 0}


def test_stage7_live_places_nothing_until_armed_then_trades_and_matches_the_exchange(simulator, tmp_path):
    db = tmp_path / "live.sqlite"
    live = bot_env(
        simulator.url,
        db,
        BOT_MODE="live",
        BOT_STORE__SYNCHRONOUS="FULL",
        BOT_UNIVERSE__SYMBOLS='["BTCTRY", "ETHTRY"]',
    )
    unarmed = bot(["stage7-run", "--loop", "--max-cycles", "30", "--cycle-seconds", "0.05"], live)
    assert unarmed.returncode == 0, unarmed.stderr[-3000:]
    submits = rows(db, "SELECT DISTINCT verdict, reason_code, layer FROM decisions WHERE kind = 'submit'")
    assert submits == [("rejected", "live_not_armed", "safety_gate")]
    assert simulator.account()["orders"] == [], "an unarmed live run reached the exchange"

    armed = {**live, "BOT_SAFETY__LIVE_ARMED": "true", "BOT_SAFETY__LIVE_ACK": LIVE_ACK_PHRASE}
    run = bot(["stage7-run", "--loop", "--max-cycles", "120", "--cycle-seconds", "0.05"], armed)
    assert run.returncode == 0, run.stderr[-3000:]
    simulator.freeze()
    assert bot(["stage7-run", "--once"], armed).returncode == 0  # reconcile a still market

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
    verified = bot(["ledger", "verify"], armed)
    assert verified.returncode == 0, verified.stdout + verified.stderr
