"""A paced replay: the market moves per balance read (per bot cycle), never with the wall clock."""

from __future__ import annotations

from decimal import Decimal

import pytest
from pydantic import ValidationError
from sim_builders import btctry_rules, row

from bot.domain.dataset import Dataset
from bot.domain.orders import Side
from bot.sim import SimConfig, SimExchange
from bot.sim.market_clock import PacedMarketClock
from bot.testing import FakeClock

SECRET = "c2ltdWxhdG9yLXRlc3Qtc2VjcmV0LTMyLWJ5dGVzISE="


def falling_dataset() -> Dataset:
    rows = (row(0, "2000", "2010"), row(1000, "1990", "1995"), row(2000, "1980", "1985"))
    return Dataset(name="falling", step_ms=1000, pairs={"BTCTRY": btctry_rules()}, rows={"BTCTRY": rows})


def paced(clock: FakeClock, step_ms: int = 1000) -> SimExchange:
    config = SimConfig.model_validate(
        {
            "accounts": [{"api_key": "k", "api_secret": SECRET, "balances": {"TRY": "100000"}}],
            "advance_ms_per_balance_read": step_ms,
        }
    )
    return SimExchange(config, falling_dataset(), clock)


def test_the_clock_moves_only_when_advanced_and_maps_both_ways() -> None:
    clock = PacedMarketClock(started_wall_ms=10_000, start_ms=0, end_ms=2_500, step_ms=1_000)
    assert clock.market_ms(99_999) == 0  # wall time alone moves nothing
    assert clock.advance(20_000) == 1_000
    assert clock.advance(30_000) == 2_000
    assert clock.advance(40_000) == 2_500  # never past the end
    assert clock.advance(50_000) == 2_500
    walls = (9_000, 19_999, 20_000, 35_000, 60_000)
    assert [clock.market_ms(w) for w in walls] == [0, 0, 1_000, 2_000, 2_500]
    markets = (0, 500, 1_000, 2_000, 2_500)
    assert [clock.wall_ms(m) for m in markets] == [10_000, 20_000, 20_000, 30_000, 40_000]


def test_a_balance_read_moves_the_market_one_step_and_stamps_fills_with_its_wall_time() -> None:
    clock = FakeClock(500_000)
    sim = paced(clock)
    sim.catch_up()
    sim.submit(
        "k", symbol="BTCTRY", side=Side.BUY, price=Decimal(1995), quantity=Decimal(1), client_order_id="b"
    )
    clock.set(900_000)  # minutes of wall time: a wall-paced replay would be at its end by now
    sim.catch_up()
    assert sim.market_ms == 0 and sim.engine.trades("k") == []
    sim.balances_read()
    assert sim.market_ms == 1000
    assert [(t.client_order_id, t.price, t.ts_ms) for t in sim.engine.trades("k")] == [
        ("b", Decimal(1995), 900_000)
    ]
    assert sim.row_wall_ms(sim.row("BTCTRY")) == 900_000  # the ticker's age counts from the read


def test_a_frozen_paced_market_stays_put_and_resumes_where_it_stopped() -> None:
    clock = FakeClock(500_000)
    sim = paced(clock)
    sim.freeze_market(True)
    sim.balances_read()
    sim.balances_read()
    assert sim.market_ms == 0
    sim.freeze_market(False)
    sim.balances_read()
    assert sim.market_ms == 1000


def test_the_step_must_be_positive() -> None:
    with pytest.raises(ValidationError, match="advance_ms_per_balance_read"):
        SimConfig.model_validate({"advance_ms_per_balance_read": 0})
