"""Reconcile sees the whole account (issue 10 §2) and refuses a ledger behind the exchange (§1).

Cycles run in process (`bot.testing.cycles`) against the simulator over loopback; the refusal
also through the CLI, for its exit code and message.
"""

from __future__ import annotations

import random
import sqlite3
import time
from decimal import Decimal
from pathlib import Path

import pytest

from bot.cycle.clocks import SystemClock
from bot.domain.account import AccountSnapshot, Balance
from bot.domain.events import EventType
from bot.domain.orders import OrderStatus, Side, SubmitOrder
from bot.exchange.btcturk.auth import Credentials
from bot.exchange.btcturk.engine import CallPolicy
from bot.exchange.btcturk.sync_client import BtcturkClient
from bot.execution.opening import seed_opening_balances
from bot.sim import SimAccount, SimConfig
from bot.store import Database, ledger_summary, render_summary, verify_ledger
from bot.testing.cycles import CycleRun, cycle_settings, run_on
from bot.testing.simulator import serving
from tests.integration.conftest import API_KEY, API_SECRET, SEED_BALANCES, bot, bot_env

pytestmark = pytest.mark.integration
RESTING = {"BOT_STRATEGY__ENTRY_OFFSET_BPS": "300"}  # entries rest 3 % under the bid: they do not fill


def client(url: str) -> BtcturkClient:
    return BtcturkClient(
        base_url=url,
        graph_base_url=url,
        credentials=Credentials(api_key=API_KEY, api_secret=API_SECRET),
        timeout_s=5,
        now_ms=lambda: time.time_ns() // 1_000_000,
        sleep=lambda s: None,
        policy=CallPolicy(rng=random.Random(1)),
    )


def place_by_hand(url: str, symbol: str = "BTCTRY", price: str = "1000000") -> str:
    """A resting buy placed beside the bot: no client order id of ours (the exchange assigns one)."""
    with client(url) as hand:
        ack = hand.submit_order(
            SubmitOrder(
                client_order_id="",
                symbol=symbol,
                side=Side.BUY,
                price=Decimal(price),
                quantity=Decimal("0.01"),
            )
        )
    return ack.exchange_order_id


def runtime(url: str, db: Database, **env: str) -> CycleRun:
    """Stage 3 over `db` against the exchange at `url`, in process (`bot.testing.cycles`)."""
    return CycleRun(cycle_settings(bot_env(url, Path(db.path), **env)), db)


def submits(db: Database, cycle_id: int) -> list[tuple[str, str, str]]:
    return [
        (d.symbol, d.verdict, d.reason_code) for d in db.decisions.for_cycle(cycle_id) if d.kind == "submit"
    ]


def test_stage3_counts_a_hand_placed_order_against_its_cap_and_records_it_once(simulator, tmp_path):
    foreign_id = place_by_hand(simulator.url)
    with Database.open(tmp_path / "bot.sqlite") as db:
        with runtime(simulator.url, db, BOT_RISK__MAX_OPEN_ORDERS_PER_SYMBOL="1", **RESTING) as daemon:
            cycles = [c.cycle_id for c in daemon.cycles(3)]
        for cycle_id in cycles:
            assert ("BTCTRY", "rejected", "max_open_orders_per_symbol") in submits(db, cycle_id)
        btc_buys = [
            o for o in simulator.account()["orders"] if o["symbol"] == "BTCTRY" and o["side"] == "buy"
        ]
        assert [str(o["id"]) for o in btc_buys] == [foreign_id]  # the bot placed no second BTCTRY buy
        assert [f.exchange_order_id for f in db.foreign_orders.open()] == [foreign_id]
        assert sum(1 for e in db.events.all() if e.type == EventType.FOREIGN_ORDER_SEEN) == 1
        assert f"exchange id {foreign_id}  BTCTRY buy 0.01 @ 1000000" in render_summary(ledger_summary(db))
        assert verify_ledger(db).ok


def test_the_halt_policy_places_nothing_while_a_foreign_order_is_open(simulator, tmp_path):
    place_by_hand(simulator.url, "ETHTRY", price="50000")
    with Database.open(tmp_path / "bot.sqlite") as db:
        with runtime(simulator.url, db, BOT_RECONCILE__FOREIGN_ORDERS="halt", **RESTING) as daemon:
            cycle_id = daemon.cycle().cycle_id
        decided = submits(db, cycle_id)
        assert decided and all(reason == "foreign_order_open" for _, _, reason in decided)
        assert len(simulator.account()["orders"]) == 1


def test_an_order_a_reset_exchange_no_longer_knows_becomes_unknown_and_freezes_its_symbol(
    simulator, dataset, tmp_path
):
    settings = {
        "BOT_EXECUTION__UNCERTAIN_PROBE_LIMIT": "2",
        "BOT_EXECUTION__UNCERTAIN_WINDOW_MS": "1",
        **RESTING,
    }
    with Database.open(tmp_path / "bot.sqlite") as db:
        with runtime(simulator.url, db, **settings) as daemon:
            daemon.cycle()
        placed = db.orders.working()
        assert placed and all(o.status is OrderStatus.OPEN for o in placed)
        config = SimConfig(
            accounts=(SimAccount(api_key=API_KEY, api_secret=API_SECRET, balances=SEED_BALANCES),), seed=5
        )
        with serving(config, dataset) as reset, runtime(reset.url, db, **settings) as daemon:
            daemon.cycle()  # neither open nor found: uncertain
            assert {db.orders.get(o.client_order_id).status for o in placed} == {OrderStatus.UNCERTAIN}
            last = daemon.cycles(2)[-1].cycle_id  # two probes by client id: unknown
        assert {db.orders.get(o.client_order_id).status for o in placed} == {OrderStatus.UNKNOWN}
        frozen = {o.symbol for o in placed}
        assert {(s, r) for s, _, r in submits(db, last) if s in frozen} <= {
            (s, "symbol_frozen") for s in frozen
        }
        assert verify_ledger(db).ok


def test_balances_that_drift_from_the_exchange_freeze_new_orders(simulator, tmp_path):
    with Database.open(tmp_path / "bot.sqlite") as db:
        # The ledger opened before 10,000 TRY were deposited outside the bot.
        with client(simulator.url) as exchange:
            balances = dict(exchange.balances())
        balances["TRY"] = Balance(asset="TRY", total=Decimal(40000), free=Decimal(40000), locked=Decimal(0))
        clock = SystemClock()
        seed_opening_balances(db, AccountSnapshot(ts_ms=clock.now_ms(), balances=balances), clock)
        with runtime(simulator.url, db, BOT_RECONCILE__BALANCE_DRIFT_CYCLES="1", **RESTING) as daemon:
            cycle_id = daemon.cycle().cycle_id
        decided = submits(db, cycle_id)
        assert decided and all(reason == "balance_drift" for _, _, reason in decided)
        assert simulator.account()["orders"] == []
        assert sum(1 for e in db.events.all() if e.type == EventType.BALANCE_DRIFT_CHANGED) == 1
        assert "TRY -10000" in render_summary(ledger_summary(db))


def table(path, name: str) -> list[tuple]:
    with sqlite3.connect(f"file:{path}?mode=ro", uri=True) as conn:
        return conn.execute(f"SELECT * FROM {name} ORDER BY 1").fetchall()


def test_a_ledger_behind_the_exchange_is_refused_with_exit_4_naming_the_orders(simulator, tmp_path):
    other = tmp_path / "other.sqlite"
    # This ledger opens on the account first, while nothing of the bot's rests there (each run is
    # `bot run --once`, in process).
    run_on(other, cycle_settings(bot_env(simulator.url, other, BOT_SAFETY__DRY_RUN="true")), 1)
    trading = tmp_path / "bot.sqlite"
    run_on(trading, cycle_settings(bot_env(simulator.url, trading, **RESTING)), 1)
    theirs = [(o["client_order_id"], o["symbol"], o["side"]) for o in simulator.account()["orders"]]
    assert theirs, "the first ledger placed nothing to be behind on"
    before = {name: table(other, name) for name in ("orders", "fills", "balances", "foreign_orders")}

    refused = bot(["run", "--once"], bot_env(simulator.url, other))
    assert refused.returncode == 4, refused.stderr[-2000:]
    message = refused.stderr.strip().splitlines()[-1]
    assert "is behind the exchange" in message and "runbooks/exchange-and-ledger-disagree.md" in message
    for client_order_id, symbol, side in theirs[:5]:
        assert f"{client_order_id} ({symbol} {side} open order)" in message
    assert {name: table(other, name) for name in before} == before
    assert bot(["ledger", "verify"], bot_env(simulator.url, other)).returncode == 0
    assert len(simulator.account()["orders"]) == len(theirs)  # and nothing was sent
