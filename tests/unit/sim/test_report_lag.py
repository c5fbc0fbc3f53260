"""`report_delay_ms`: the simulator's order queries and fills as they stood that long ago."""

from __future__ import annotations

from decimal import Decimal

from sim_builders import dataset, row

from bot.domain.orders import Side
from bot.sim import SimConfig, SimExchange
from bot.sim.fault_profile import FaultProfile
from bot.testing import FakeClock

D = Decimal
SECRET = "c2ltdWxhdG9yLXRlc3Qtc2VjcmV0LTMyLWJ5dGVzISE="
START = 1_000_000


def lagging(delay_ms: int) -> tuple[SimExchange, FakeClock]:
    clock = FakeClock(START)
    config = SimConfig.model_validate(
        {"accounts": [{"api_key": "k", "api_secret": SECRET, "balances": {"TRY": "100000"}}], "seed": 1}
    )
    # The ask falls to 990 at 60 s: a buy at 1000 fills then.
    rows = [row(0, "1000", "1010"), row(60_000, "980", "990"), row(120_000, "980", "990")]
    sim = SimExchange(config, dataset(rows), clock)
    sim.apply_faults(FaultProfile(report_delay_ms=delay_ms))
    sim.catch_up()
    sim.submit("k", symbol="BTCTRY", side=Side.BUY, price=D(1000), quantity=D("0.1"), client_order_id="late")
    return sim, clock


def test_a_fill_is_reported_only_once_the_delay_has_passed() -> None:
    sim, clock = lagging(90_000)
    clock.set(START + 60_000)
    sim.catch_up()
    assert sim.engine.orders("k")[0].filled_quantity == D("0.1")  # filled on the engine
    assert [o.client_order_id for o in sim.reported_open("k", None)] == ["late"]  # still open in reports
    assert sim.reported(sim.engine.orders("k"))[0].filled_quantity == 0
    assert not [t for t in sim.engine.trades("k") if t.ts_ms <= sim.reported_fills_until_ms()]
    clock.set(START + 150_000)
    assert sim.reported_open("k", None) == []
    assert sim.reported(sim.engine.orders("k"))[0].filled_quantity == D("0.1")
    assert len([t for t in sim.engine.trades("k") if t.ts_ms <= sim.reported_fills_until_ms()]) == 1


def test_a_cancel_is_confirmed_late_too() -> None:
    sim, clock = lagging(90_000)
    order = sim.engine.orders("k")[0]
    clock.set(START + 10_000)
    sim.cancel("k", order.order_id)
    assert [o.status.value for o in sim.reported(sim.engine.orders("k"))] == ["open"]
    clock.set(START + 100_000)
    assert [o.status.value for o in sim.reported(sim.engine.orders("k"))] == ["canceled"]


def test_without_the_knob_reports_are_current() -> None:
    sim, clock = lagging(0)
    clock.set(START + 60_000)
    sim.catch_up()
    assert sim.reported_open("k", None) == []
    assert sim.reported(sim.engine.orders("k"))[0].filled_quantity == D("0.1")
