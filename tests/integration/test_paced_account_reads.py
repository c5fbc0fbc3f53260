"""`exchange.account_reads = "paced"` (the default): a daemon cycling faster than the account
endpoints' rate limits allow reads its balances, open orders and fills only as often as they
allow, and never degrades itself. A cycle in between reuses the last read, reconciles nothing
over REST and places nothing (`account_not_fresh`); cancels and lookups still go.

Stage 7 against the simulator, in process, the cycles 250 ms apart on an injected monotonic clock
(the account's read interval at the defaults is 781 ms: 96 reads a minute at 0.8 of BTCTurk's 120,
at 0.8 of that again). The wall-clock figure (1,000 cycles at 0.25 s, the rate limits enforced by
the simulator) is `bench/paced_account_reads.py`'s.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from bot.app.read_budget import account_read_interval_ms
from bot.cycle.account_reads import AccountReadPlan
from bot.store import Database
from bot.testing import FakeClock
from bot.testing.cycles import CycleRun, cycle_settings
from tests.integration.conftest import bot_env

pytestmark = pytest.mark.integration
CYCLE_MS = 250


def rows(db: Path, sql: str) -> list[tuple]:
    with Database.open_readonly(db) as ledger:
        return ledger.connection.execute(sql).fetchall()


def test_a_fast_cadence_reads_the_account_as_the_limits_allow_and_places_orders_only_on_fresh_reads(
    paced_simulator, tmp_path
):
    simulator = paced_simulator
    simulator.set_faults(enforce_rate_limits=True)
    db = tmp_path / "bot.sqlite"
    env = bot_env(simulator.url, db, BOT_EXCHANGE__ACCOUNT_READS="paced", BOT_SELECTION__SIZE="1")
    settings = cycle_settings(env)
    interval = account_read_interval_ms(settings)
    assert interval == 781
    clock = FakeClock()
    with Database.open(db) as database:
        run = CycleRun(settings, database, stage="7", after_cycle=lambda: clock.advance(CYCLE_MS))
        try:
            run.runtime.account_reads = AccountReadPlan(interval_ms=interval, monotonic_ms=clock.now_ms)
            results = run.cycles(60)
        finally:
            run.close()
    assert len(results) == 60
    assert {r.status.value for r in results} == {"ok"}, "no cycle abandoned by the client's own limiter"
    fresh = [r.cycle_id for r in results if not r.counters.get("account_deferred")]
    deferred = [r.cycle_id for r in results if r.counters.get("account_deferred")]
    # One read every fourth cycle (250 ms x 4 = 1 s >= 781 ms), the first cycle included.
    assert fresh == [r.cycle_id for r in results[::4]]
    assert len(deferred) == 45
    counters = {cid: json.loads(c) for cid, c in rows(db, "SELECT cycle_id, counters FROM cycles")}
    assert all(counters[c].get("reconciled") for c in fresh), "a fresh cycle reconciles over REST"
    assert not any(counters[c].get("reconciled") for c in deferred), "a deferred one does not"
    # Orders come only from cycles that read the account; the others said why they placed none.
    placed_in = {cid for (cid,) in rows(db, "SELECT cycle_id FROM orders")}
    assert placed_in <= set(fresh)
    refused = {
        cid for (cid,) in rows(db, "SELECT cycle_id FROM decisions WHERE reason_code = 'account_not_fresh'")
    }
    assert refused and refused <= set(deferred)
    report = simulator.fault_report()
    assert report["counters"]["rate_limited_429"] == 0


def test_paper_accounts_and_every_cycle_reads_are_not_paced():
    settings = cycle_settings({"BOT_EXCHANGE__ADAPTER": "paper"})
    assert account_read_interval_ms(settings) == 0
    live_like = cycle_settings(
        {"BOT_EXCHANGE__ADAPTER": "btcturk", "BOT_EXCHANGE__BASE_URL": "http://127.0.0.1:1",
         "BOT_EXCHANGE__GRAPH_BASE_URL": "http://127.0.0.1:1", "BOT_MARKET_DATA__SOURCE": "exchange",
         "BOT_EXCHANGE__ACCOUNT_READS": "every_cycle"}
    )  # fmt: skip
    assert account_read_interval_ms(live_like) == 0


def test_the_plan_reads_first_then_when_the_interval_has_passed():
    clock = FakeClock()
    plan = AccountReadPlan(interval_ms=781, monotonic_ms=clock.now_ms)
    assert plan.due()
    plan.read(object())  # type: ignore[arg-type]
    clock.advance(780)
    assert not plan.due()
    clock.advance(1)
    assert plan.due()


def test_every_read_spends_an_interval_so_a_second_read_after_fills_pushes_the_next_one_out():
    clock = FakeClock()
    plan = AccountReadPlan(interval_ms=781, monotonic_ms=clock.now_ms)
    plan.read(object())  # type: ignore[arg-type]
    plan.read(object())  # type: ignore[arg-type]  # the same cycle, after new fills
    clock.advance(781)
    assert not plan.due(), "two reads spent two intervals"
    clock.advance(781)
    assert plan.due()
