"""The drill's pieces: its clock, its in-process transport and an armed crash point."""

from __future__ import annotations

from decimal import Decimal

import pytest

from bot.domain.orders import Side, SubmitOrder
from bot.drill.calls import AttemptRuns
from bot.drill.clock import DrillClock
from bot.drill.harness import API_KEY, API_SECRET
from bot.drill.markets import oscillating
from bot.drill.transport import InProcessTransport
from bot.exchange.btcturk.auth import Credentials
from bot.exchange.btcturk.sync_client import BtcturkClient
from bot.exchange.errors import UncertainOutcome
from bot.execution import crash_points
from bot.sim import SimAccount, SimConfig, SimExchange, build_app
from bot.sim.fault_profile import FaultProfile


def served(profile: FaultProfile) -> tuple[SimExchange, BtcturkClient, DrillClock]:
    market = oscillating(10)
    clock = DrillClock(market.start_ms)
    account = SimAccount(api_key=API_KEY, api_secret=API_SECRET, balances={"TRY": Decimal(100_000)})
    sim = SimExchange(SimConfig(accounts=(account,), seed=1, speed=Decimal(1), faults=profile), market, clock)
    sim.faults.sleep = clock.async_sleep
    transport = InProcessTransport(build_app(sim), clock, timeout_s=10)
    client = BtcturkClient(
        base_url="http://127.0.0.1:1",
        credentials=Credentials(api_key=API_KEY, api_secret=API_SECRET),
        transport=transport,
        now_ms=clock.now_ms,
        sleep=clock.sleep,
    )
    clock.move_to(market.start_ms + 60_000)
    return sim, client, clock


def buy(client_order_id: str) -> SubmitOrder:
    return SubmitOrder(
        client_order_id=client_order_id,
        symbol="BTCTRY",
        side=Side.BUY,
        price=Decimal(1_000_000),
        quantity=Decimal("0.001"),
    )


def test_an_answer_held_past_the_timeout_is_lost_after_the_exchange_acted() -> None:
    sim, client, clock = served(FaultProfile(submit_drop_response_ratio=1.0, submit_response_delay_s=30))
    before = clock.now_ms()
    with pytest.raises(UncertainOutcome):
        client.submit_order(buy("held"))
    assert [o.client_order_id for o in sim.engine.orders(API_KEY)] == ["held"]  # placed all the same
    assert clock.now_ms() - before == 30_000  # the hold passed on the drill's clock, not the wall's


def test_a_prompt_answer_comes_back_whole() -> None:
    sim, client, _ = served(FaultProfile())
    ack = client.submit_order(buy("prompt"))
    assert ack.exchange_order_id == str(sim.engine.orders(API_KEY)[0].order_id)


def test_the_clock_moves_only_forward_and_by_sleeps() -> None:
    clock = DrillClock(1_000)
    clock.sleep(1.5)
    clock.move_to(500)
    assert clock.now_ms() == 2_500 and clock.monotonic() == 2.5


def test_attempt_runs_count_one_call_through_its_retries() -> None:
    runs = AttemptRuns()
    for event in ("a", "r", "a", "r", "a", "a", "r", "a"):
        runs.attempt("GET /x", "ok", 0.0) if event == "a" else runs.retry("GET /x")
    assert runs.longest == {"GET /x": 3}


def test_an_armed_point_raises_at_its_nth_reach_and_disarms() -> None:
    with crash_points.armed("after_write_ahead", 2):
        crash_points.reach("after_write_ahead")
        crash_points.reach("before_write_ahead")
        with pytest.raises(crash_points.Crash) as stop:
            crash_points.reach("after_write_ahead")
        assert stop.value.point == "after_write_ahead"
    crash_points.reach("after_write_ahead")  # disarmed
    with pytest.raises(ValueError, match="unknown crash point"), crash_points.armed("nowhere"):
        pass
