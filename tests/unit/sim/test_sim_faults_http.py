"""Error faults over real HTTP: injected 429/5xx, real rate limits, bodies, latency, determinism."""

from __future__ import annotations

import json

import pytest
from sim_http import KEY, WALL_START, Sim, body, simulator


def test_injected_429_has_btcturk_body_and_retry_after() -> None:
    with simulator({"http_429_ratio": 1.0, "retry_after_s": 7}) as sim:
        response = sim.get("/api/v1/users/balances")
        assert response.status_code == 429 and response.headers["Retry-After"] == "7"
        assert body(response) == {
            "message": "TOO_MANY_REQUESTS",
            "success": False,
            "code": 429,
            "details": "Quota exceeded. Maximum allowed: 120 per 1m.",
            "limit": "120",
            "period": "1m",
            "policy": "ip",
        }
        assert sim.submit().status_code == 429
        assert sim.orders() == [] and sim.counters()["injected_429"] == 2


def test_injected_5xx_never_reaches_the_engine_and_admin_is_never_faulted() -> None:
    with simulator({"http_5xx_ratio": 1.0}) as sim:
        response = sim.submit()
        assert response.status_code in (500, 502, 503, 504)
        assert body(response)["success"] is False and body(response)["code"] == response.status_code
        assert sim.http.get("/api/v2/ticker").status_code >= 500
        assert sim.orders() == [] and sim.counters()["injected_5xx"] == 2
        assert sim.set_faults(http_5xx_ratio=0).status_code == 200
        assert sim.submit().status_code == 200


def test_rate_limits_answer_429_at_the_eleventh_submit_within_one_second() -> None:
    with simulator({"enforce_rate_limits": True}) as sim:
        statuses = []
        for i in range(11):
            sim.clock.set(WALL_START + i * 50)
            statuses.append(sim.submit(price=str(90_000 + i)).status_code)
        assert statuses == [200] * 10 + [429]
        refused = sim.submit()
        assert refused.headers["Retry-After"] == "1"
        assert body(refused)["details"] == "Quota exceeded. Maximum allowed: 10 per 1s."
        assert len(sim.orders()) == 10
        sim.clock.set(WALL_START + 1000)  # the 1 s window anchored at the first submit has reset
        assert sim.submit().status_code == 200
        faults = sim.state()["faults"]
        assert faults["rate_limits"]["POST /api/v1/order"]["1s"] == {
            "limit": 10,
            "max_observed": 12,
            "over_limit": 2,
        }
        assert faults["counters"]["rate_limited_429"] == 2


def test_rate_observed_is_recorded_even_when_not_enforced() -> None:
    with simulator() as sim:
        for _ in range(12):
            assert sim.submit().status_code == 200
        report = sim.state()["faults"]["rate_limits"]["POST /api/v1/order"]
        assert report["1s"]["max_observed"] == 12 and report["1s"]["over_limit"] == 2


def test_truncated_body_is_cut_in_half() -> None:
    with simulator() as sim:
        whole = sim.http.get("/api/v2/ticker").content
        sim.set_faults(truncated_ratio=1.0)
        cut = sim.http.get("/api/v2/ticker")
        assert cut.status_code == 200 and cut.content == whole[: len(whole) // 2]
        with pytest.raises(json.JSONDecodeError):
            json.loads(cut.content)
        assert sim.counters()["truncated"] == 1


def test_malformed_body_has_a_field_of_the_wrong_type() -> None:
    with simulator({"malformed_ratio": 1.0}) as sim:
        [ticker] = body(sim.http.get("/api/v2/ticker"))["data"]
        assert ticker["pair"] is True and ticker["pairNormalized"] == "BTC_TRY"
        order = body(sim.submit())["data"]
        assert order["id"] == "malformed"
        assert body(sim.get("/api/v1/openOrders"))["data"]["asks"] == []  # bids came first
        assert sim.counters()["malformed"] == 3
        sim.set_faults(malformed_ratio=0)
        assert len(sim.orders()) == 1  # the engine still accepted the order


def test_latency_per_route_with_default() -> None:
    latency = {"default": [1, 3], "GET /api/v2/ticker": [30, 30]}
    with simulator({"latency_ms": latency}) as sim:
        waited: list[float] = []

        async def sleep(seconds: float) -> None:  # the simulator's waits, recorded, not slept
            waited.append(seconds)

        sim.exchange.faults.sleep = sleep
        sim.http.get("/api/v2/ticker")
        assert waited == [0.03]
        sim.http.get("/api/v2/server/time")
        assert len(waited) == 2 and 0.001 <= waited[1] <= 0.003
        total = sim.counters()["latency_ms_total"]
        assert 31 <= total <= 33


def _sequence(sim: Sim) -> list[tuple[int, str]]:
    seen = []
    for i in range(40):
        sim.clock.set(WALL_START + i * 100)
        response = sim.submit(price=str(90_000 + i)) if i % 3 == 0 else sim.get("/api/v1/openOrders")
        seen.append((response.status_code, response.text))
    return seen


def test_same_seed_same_requests_same_faults() -> None:
    knobs = {"http_429_ratio": 0.2, "http_5xx_ratio": 0.2, "malformed_ratio": 0.2, "truncated_ratio": 0.1}
    runs = []
    for seed in (11, 11, 12):
        with simulator(knobs, seed=seed) as sim:
            runs.append((_sequence(sim), sim.counters()))
    assert runs[0] == runs[1]
    assert runs[0][0] != runs[2][0]
    statuses = {status for status, _ in runs[0][0]}
    assert 200 in statuses and 429 in statuses and statuses & {500, 502, 503, 504}


def test_post_faults_changes_the_profile_and_names_bad_keys() -> None:
    with simulator({"http_429_ratio": 0.5}) as sim:
        changed = body(sim.set_faults(latency_ms={"default": [0, 1]}, retry_after_s=4))
        assert changed["profile"]["http_429_ratio"] == 0.5 and changed["profile"]["retry_after_s"] == 4
        reset = body(sim.set_faults(reset=True, clock_skew_ms=5))["profile"]
        assert reset["http_429_ratio"] == 0 and reset["clock_skew_ms"] == 5 and reset["latency_ms"] == {}
        bad = sim.set_faults(http_5xx_ratio=3, nope=1)
        assert bad.status_code == 400
        assert "http_5xx_ratio" in body(bad)["message"] and "nope" in body(bad)["message"]
        assert sim.http.post("/_sim/faults", content=b"[1]").status_code == 400
        assert body(sim.http.get("/_sim/faults"))["profile"]["clock_skew_ms"] == 5
        assert KEY in sim.state()["accounts"]
