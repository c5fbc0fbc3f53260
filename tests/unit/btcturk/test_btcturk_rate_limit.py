import random
import threading
from collections import Counter

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.exchange.btcturk import requests
from bot.exchange.btcturk.rate_limit import (
    BTCTURK_LIMITS,
    RateLimiter,
    RateLimits,
    WindowRule,
    group_for,
)
from bot.exchange.btcturk.requests import WireRequest
from bot.testing import FakeClock


def server_accepts(send_times: list[float], rule: WindowRule) -> bool:
    """BTCTurk's counting (§8): fixed windows, each anchored at the first request after the last one.

    Send times are `now + wait`, which float arithmetic can put a hair before the reserved instant.
    """
    start, count = None, 0
    for t in sorted(send_times):
        if start is None or t >= start + rule.period_s - 1e-9:
            start, count = t, 0
        count += 1
        if count > rule.limit:
            return False
    return True


def drive(limiter: RateLimiter, clock: FakeClock, group: str, gaps: list[float]) -> list[float]:
    """Acquire once per gap (the clock moves by the gap first); returns when each request may leave."""
    sends = []
    for gap in gaps:
        clock.advance_seconds(gap)
        wait = limiter.acquire(group)
        assert wait >= 0
        sends.append(clock.monotonic() + wait)
    return sends


def test_windows_are_anchored_at_the_first_request() -> None:
    clock = FakeClock.at_seconds(5.3)
    limiter = RateLimiter(monotonic=clock.monotonic)
    assert [limiter.acquire("post /api/v1/order") for _ in range(10)] == [0.0] * 10
    assert limiter.acquire("post /api/v1/order") == pytest.approx(1.0)  # next window opens at 6.3
    clock.set_seconds(6.2)
    assert limiter.acquire("post /api/v1/order") == pytest.approx(0.1)  # a slot of the 6.3 window
    clock.set_seconds(7.3)  # the 6.3 window (2 used) has expired; a new one anchors here
    assert [limiter.acquire("post /api/v1/order") for _ in range(10)] == [0.0] * 10


def test_both_windows_of_a_group_hold() -> None:
    clock = FakeClock.at_seconds(0.0)
    limiter = RateLimiter(monotonic=clock.monotonic)
    sends = drive(limiter, clock, "post /api/v1/order", [0.05] * 400)
    for rule in BTCTURK_LIMITS["post /api/v1/order"]:
        assert server_accepts(sends, rule)
    assert sends[300] >= 60.0  # the 301st waits for the minute window


def test_randomised_loop_never_exceeds_the_table() -> None:
    rng = random.Random(7)
    for group in ("post /api/v1/order", "get /api/v1/order/{orderid}", "get /api/v2/orderbook"):
        clock = FakeClock.at_seconds(rng.uniform(0, 1000))
        limiter = RateLimiter(monotonic=clock.monotonic)
        sends = drive(limiter, clock, group, [rng.expovariate(40) for _ in range(1200)])
        for rule in BTCTURK_LIMITS[group]:
            assert server_accepts(sends, rule), (group, rule)


@settings(max_examples=60, deadline=None)
@given(
    gaps=st.lists(st.floats(min_value=0, max_value=3, allow_nan=False), max_size=80),
    short=st.integers(1, 5),
    long=st.integers(1, 20),
)
def test_property_no_window_ever_overflows(gaps: list[float], short: int, long: int) -> None:
    rules = (WindowRule(short, 1.0), WindowRule(long, 7.0))
    limiter = RateLimiter(
        RateLimits(rules={"g": rules}), monotonic=(clock := FakeClock.at_seconds(0.0)).monotonic
    )
    sends = drive(limiter, clock, "g", gaps)
    assert all(server_accepts(sends, rule) for rule in rules)


def test_scale_keeps_a_margin_under_the_published_limit() -> None:
    limits = RateLimits(scale=0.8)
    assert limits.for_group("POST /api/v1/order") == (WindowRule(8, 1), WindowRule(240, 60))
    assert RateLimits(scale=0.01).for_group("post /api/v1/order")[0].limit == 1
    with pytest.raises(ValueError):
        RateLimits(scale=1.5)


def test_groups_are_derived_from_method_and_path_template() -> None:
    assert group_for(requests.cancel_order("1")) == "delete /api/v1/order"
    assert group_for(requests.order_book("BTCTRY", 5)) == "get /api/v2/orderbook"
    assert group_for(requests.user_trades(0, 1)) == "get /api/v1/users/transactions/trade"
    by_id = WireRequest(method="GET", path="/api/v1/order/123", endpoint="GET /api/v1/order/123")
    assert group_for(by_id) == "get /api/v1/order/{orderid}"
    graph = WireRequest(method="GET", path="/v1/ohlcs", endpoint="GET /v1/ohlcs", base="graph")
    assert group_for(graph) == "graph-api"
    for request in (requests.ticker("X"), requests.balances(), requests.open_orders(), by_id, graph):
        assert group_for(request) in BTCTURK_LIMITS


def test_a_group_without_a_published_limit_is_never_held_back() -> None:
    limiter = RateLimiter(monotonic=FakeClock.at_seconds(100).monotonic)
    assert {limiter.acquire_for(requests.server_time()) for _ in range(5000)} == {0.0}


def test_threads_sharing_one_limiter_never_double_book_a_slot() -> None:
    limiter = RateLimiter(
        RateLimits(rules={"g": (WindowRule(10, 1.0),)}), monotonic=FakeClock.at_seconds(0.0).monotonic
    )
    waits: list[float] = []
    lock = threading.Lock()

    def worker() -> None:
        mine = [limiter.acquire("g") for _ in range(50)]
        with lock:
            waits.extend(mine)

    threads = [threading.Thread(target=worker) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=10)
    assert not any(thread.is_alive() for thread in threads)
    # 400 requests at one instant: exactly 10 per one-second window, 40 windows.
    assert Counter(round(w, 6) for w in waits) == {float(k): 10 for k in range(40)}
    assert limiter.acquired == 400


def test_a_wait_beyond_max_wait_reserves_nothing() -> None:
    clock = FakeClock.at_seconds(0.0)
    limiter = RateLimiter(RateLimits(rules={"g": (WindowRule(1, 60),)}), monotonic=clock.monotonic)
    assert limiter.acquire("g", max_wait_s=5) == 0.0
    assert limiter.acquire("g", max_wait_s=5) == 60.0  # refused: not reserved
    assert limiter.acquire("g") == 60.0  # so the next window's slot is still the first one
    assert limiter.acquired == 2
