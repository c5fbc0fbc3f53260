from __future__ import annotations

from decimal import Decimal

from sim_builders import btctry_rules, row

from bot.domain.dataset import Dataset
from bot.domain.orders import Side
from bot.sim import SimConfig, SimExchange
from bot.testing import FakeClock

D = Decimal
SECRET = "c2ltdWxhdG9yLXRlc3Qtc2VjcmV0LTMyLWJ5dGVzISE="


def two_pair_dataset() -> Dataset:
    btc = btctry_rules()
    eth = btctry_rules(symbol="ETHTRY", base="ETH")
    return Dataset(
        name="two",
        step_ms=1000,
        pairs={"BTCTRY": btc, "ETHTRY": eth},
        rows={
            "BTCTRY": (row(0, "1000", "1010"), row(2000, "1000", "1001"), row(4000, "1000", "1000")),
            "ETHTRY": (row(1000, "2000", "2010"), row(3000, "2000", "2000")),
        },
    )


def make(seed: int = 1, clock: FakeClock | None = None) -> SimExchange:
    config = SimConfig.model_validate(
        {"accounts": [{"api_key": "k", "api_secret": SECRET, "balances": {"TRY": "100000"}}], "seed": seed}
    )
    return SimExchange(config, two_pair_dataset(), clock or FakeClock(500_000))


def test_same_seed_same_ids_and_client_ids() -> None:
    first, second = make(seed=3), make(seed=3)
    assert first.new_client_order_id() == second.new_client_order_id()
    a = first.submit("k", symbol="BTCTRY", side=Side.BUY, price=D(1000), quantity=D(1), client_order_id="x")
    b = second.submit("k", symbol="BTCTRY", side=Side.BUY, price=D(1000), quantity=D(1), client_order_id="x")
    assert a.order_id == b.order_id
    assert make(seed=4).new_client_order_id() != make(seed=3).new_client_order_id()


def test_catch_up_replays_every_row_in_time_order_with_wall_stamps() -> None:
    clock = FakeClock(500_000)
    sim = make(clock=clock)
    sim.catch_up()
    sim.submit("k", symbol="BTCTRY", side=Side.BUY, price=D(1000), quantity=D(1), client_order_id="btc")
    sim.submit("k", symbol="ETHTRY", side=Side.BUY, price=D(2000), quantity=D(1), client_order_id="eth")
    clock.set(510_000)  # speed 1: 10 s of data, beyond the end (4 s)
    sim.catch_up()
    trades = sim.engine.trades("k")
    assert [(t.client_order_id, t.ts_ms) for t in trades] == [("eth", 503_000), ("btc", 504_000)]
    assert sim.market_ms == 4000
    assert sim.resolve_symbol("eth_try") == "ETHTRY" and sim.resolve_symbol("XRPTRY") is None
    assert sim.asset_precision("BTC") == 8 and sim.asset_precision("TRY") == 2
