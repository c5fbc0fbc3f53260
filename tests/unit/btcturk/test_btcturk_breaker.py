import random
import threading

import httpx
import pytest

from bot.exchange.btcturk import BtcturkClient, CircuitBreaker, RetryPolicy
from bot.exchange.btcturk.engine import CallPolicy
from bot.exchange.errors import CircuitOpen, NotSent, Rejected, Transient
from bot.testing import FakeClock

TICKER = (
    b'{"success":true,"message":null,"code":0,"data":[{"pair":"BTCTRY","timestamp":1,'
    b'"last":"3","bid":"2","ask":"3","volume":"1"}]}'
)


def make_breaker(threshold: int = 3, probe_interval_s: float = 10.0) -> tuple[CircuitBreaker, FakeClock]:
    clock = FakeClock.at_seconds(0)
    return CircuitBreaker(
        failure_threshold=threshold, probe_interval_s=probe_interval_s, monotonic=clock.monotonic
    ), clock


def test_opens_after_n_consecutive_failures_and_fails_fast() -> None:
    breaker, _ = make_breaker(threshold=3)
    for _ in range(2):
        breaker.admit("GET /x")
        breaker.record_failure()
    assert not breaker.degraded
    breaker.record_failure()
    assert breaker.degraded
    with pytest.raises(CircuitOpen, match="circuit open") as info:
        breaker.admit("GET /x")
    assert isinstance(info.value, NotSent) and isinstance(info.value, Transient)
    assert info.value.endpoint == "GET /x"


def test_a_success_in_between_resets_the_count() -> None:
    breaker, _ = make_breaker(threshold=3)
    for _ in range(5):
        breaker.record_failure()
        breaker.record_failure()
        breaker.record_success()
    assert not breaker.degraded
    assert breaker.consecutive_failures == 0


def test_one_probe_per_interval_and_a_successful_probe_closes() -> None:
    breaker, clock = make_breaker(threshold=1, probe_interval_s=10.0)
    breaker.record_failure()
    clock.set_seconds(9.9)
    with pytest.raises(CircuitOpen):
        breaker.admit()
    clock.set_seconds(10.0)
    breaker.admit()  # the probe
    with pytest.raises(CircuitOpen):
        breaker.admit()  # only one per interval
    breaker.record_failure()  # the probe failed: stays open
    assert breaker.degraded
    clock.set_seconds(19.9)
    with pytest.raises(CircuitOpen):
        breaker.admit()
    clock.set_seconds(20.0)
    breaker.admit()
    breaker.record_success()
    assert not breaker.degraded
    breaker.admit()
    breaker.admit()


def test_concurrent_admits_let_exactly_one_probe_through() -> None:
    breaker, clock = make_breaker(threshold=1, probe_interval_s=5.0)
    breaker.record_failure()
    clock.set_seconds(5.0)
    admitted: list[bool] = []

    def worker() -> None:
        try:
            breaker.admit()
            admitted.append(True)
        except CircuitOpen:
            admitted.append(False)

    threads = [threading.Thread(target=worker) for _ in range(16)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=10)
    assert admitted.count(True) == 1 and len(admitted) == 16


def test_invalid_settings_are_refused() -> None:
    with pytest.raises(ValueError):
        CircuitBreaker(failure_threshold=0)


# -- wired into the client -------------------------------------------------------------------------


def client_with(
    breaker: CircuitBreaker, answers: list[httpx.Response]
) -> tuple[BtcturkClient, list[httpx.Request], list[float]]:
    seen: list[httpx.Request] = []
    wall = FakeClock()  # the client's epoch clock: its retry sleeps move it, nothing else does
    queue = iter(answers)

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return next(queue)

    client = BtcturkClient(
        base_url="http://exchange.test",
        transport=httpx.MockTransport(handler),
        now_ms=wall.now_ms,
        sleep=wall.sleep,
        policy=CallPolicy(
            rng=random.Random(1),
            retry=RetryPolicy(max_attempts=2, base_delay_s=0.1, max_delay_s=0.1, total_budget_s=5),
            breaker=breaker,
        ),
    )
    return client, seen, wall.sleeps


def test_client_degrades_fails_fast_then_a_probe_recovers() -> None:
    breaker, clock = make_breaker(threshold=4, probe_interval_s=30.0)
    busy = httpx.Response(503, content=b"busy")
    ok = httpx.Response(200, content=TICKER)
    client, seen, sleeps = client_with(breaker, [busy] * 4 + [ok])
    for _ in range(2):
        with pytest.raises(Transient, match="HTTP 503"):
            client.ticker("BTCTRY")  # two attempts each
    assert client.degraded and len(seen) == 4
    sleeps.clear()
    with pytest.raises(CircuitOpen):
        client.ticker("BTCTRY")
    assert len(seen) == 4 and sleeps == []  # nothing sent, no retry of a fail-fast
    clock.set_seconds(30.0)
    assert client.ticker("BTCTRY").last == 3
    assert not client.degraded and len(seen) == 5


def test_a_business_refusal_proves_the_exchange_is_up() -> None:
    breaker, _ = make_breaker(threshold=2)
    refusal = httpx.Response(
        400, json={"success": False, "message": "FAILED_MIN_TOTAL_AMOUNT", "code": 1123, "data": None}
    )
    busy = httpx.Response(503, content=b"busy")
    client, _, _ = client_with(breaker, [busy, refusal, busy, busy])
    with pytest.raises(Rejected):
        client.ticker("BTCTRY")  # attempt 1: 503, attempt 2: the refusal, not retried
    assert breaker.consecutive_failures == 0
    with pytest.raises(Transient):
        client.ticker("BTCTRY")
    assert breaker.degraded
