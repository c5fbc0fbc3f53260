"""Order-path faults over real HTTP: dropped and lost submits, visibility delay, frozen feed, skew."""

from __future__ import annotations

import httpx
import pytest
from sim_http import DATA_START, WALL_START, body, simulator


def test_dropped_submit_times_out_but_the_order_rests_in_the_engine() -> None:
    with simulator({"submit_drop_response_ratio": 1.0, "submit_response_delay_s": 0.4}) as sim:
        with pytest.raises(httpx.ReadTimeout):
            sim.submit(newOrderClientId="uncertain-1", timeout=0.1)
        [order] = sim.orders()
        assert (order["client_order_id"], order["status"]) == ("uncertain-1", "open")
        [listed] = body(sim.get("/api/v1/openOrders"))["data"]["bids"]
        assert listed["orderClientId"] == "uncertain-1"
        assert sim.counters()["dropped_submits"] == 1


def test_a_dropped_submit_is_still_answered_after_the_delay() -> None:
    with simulator({"submit_drop_response_ratio": 1.0, "submit_response_delay_s": 0.05}) as sim:
        response = sim.submit(newOrderClientId="late-1")
        assert response.status_code == 200 and body(response)["data"]["newOrderClientId"] == "late-1"


def test_rejected_submits_are_not_dropped() -> None:
    with simulator({"submit_drop_response_ratio": 1.0, "submit_response_delay_s": 5}) as sim:
        assert sim.submit(quantity="0.00001").status_code == 400
        assert sim.counters()["dropped_submits"] == 0


def test_never_visible_submit_is_lost_not_placed() -> None:
    with simulator({"never_visible_ratio": 1.0, "submit_response_delay_s": 0}) as sim:
        response = sim.submit(newOrderClientId="lost-1")
        assert response.status_code == 504 and body(response)["message"] == "GATEWAY_TIMEOUT"
        assert sim.orders() == []
        assert body(sim.get("/api/v1/allOrders", pairSymbol="BTCTRY"))["data"] == []
        state = sim.state()
        assert state["faults"]["counters"]["lost_submits"] == 1
        [account] = state["accounts"].values()
        assert account["balances"]["TRY"]["locked"] == "0"


def test_visibility_delay_hides_an_accepted_order_then_shows_it() -> None:
    with simulator({"open_orders_visibility_delay_ms": 300}) as sim:
        order_id = body(sim.submit(newOrderClientId="slow-1"))["data"]["id"]
        assert body(sim.get("/api/v1/openOrders"))["data"]["bids"] == []
        assert body(sim.get("/api/v1/allOrders", pairSymbol="BTCTRY"))["data"] == []
        hidden = sim.get(f"/api/v1/order/{order_id}")
        assert (hidden.status_code, body(hidden)["code"]) == (400, 1152)
        assert [o["id"] for o in sim.orders()] == [order_id]  # ground truth: it rests
        sim.clock.set(WALL_START + 299)
        assert body(sim.get("/api/v1/openOrders"))["data"]["bids"] == []
        sim.clock.set(WALL_START + 300)
        [bid] = body(sim.get("/api/v1/openOrders"))["data"]["bids"]
        assert bid["id"] == order_id
        assert body(sim.get(f"/api/v1/order/{order_id}"))["data"]["orderClientId"] == "slow-1"
        counters = sim.counters()
        assert (counters["hidden_orders"], counters["hidden_from_queries"]) == (1, 4)


def test_frozen_feed_switched_at_runtime() -> None:
    with simulator() as sim:
        sim.clock.set(WALL_START + 1000)
        sim.set_faults(frozen_feed=True)
        sim.clock.set(WALL_START + 3000)
        [ticker] = body(sim.http.get("/api/v2/ticker"))["data"]
        assert ticker["timestamp"] == WALL_START + 1000
        assert sim.state()["market_ms"] == DATA_START + 60_000
        sim.set_faults(frozen_feed=False)
        assert sim.state()["market_ms"] == DATA_START + 180_000


def test_freeze_after_seconds_of_wall_time() -> None:
    with simulator({"freeze_after_s": 2}) as sim:
        sim.clock.set(WALL_START + 1000)
        assert sim.state()["market_ms"] == DATA_START + 60_000
        sim.clock.set(WALL_START + 10_000)
        assert sim.state()["market_ms"] == DATA_START + 120_000
        [ticker] = body(sim.http.get("/api/v2/ticker"))["data"]
        assert ticker["timestamp"] == WALL_START + 2000


def test_clock_skew_shifts_server_time_and_the_stamp_check() -> None:
    with simulator({"clock_skew_ms": 60_000}) as sim:
        served = body(sim.http.get("/api/v2/server/time"))
        assert served["serverTime"] == WALL_START + 60_000 == served["data"]["serverTime"]
        local = sim.http.get("/api/v1/users/balances", headers=sim.headers())
        assert (local.status_code, body(local)["message"]) == (401, "Unauthorized - Invalid Nonce")
        synced = sim.http.get("/api/v1/users/balances", headers=sim.headers(stamp=served["serverTime"]))
        assert synced.status_code == 200
