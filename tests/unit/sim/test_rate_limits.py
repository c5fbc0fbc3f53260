"""BTCTurk's §8 limits as fixed windows anchored at each group's first request."""

from __future__ import annotations

from bot.sim.rate_limits import GRAPH_GROUP, RateLimiter, groups_of

T0 = 1_700_000_000_000


def test_the_eleventh_submit_within_a_second_is_refused_until_the_window_resets() -> None:
    limiter = RateLimiter()
    assert all(limiter.record("POST /api/v1/order", T0 + i * 10) is None for i in range(10))
    refusal = limiter.record("POST /api/v1/order", T0 + 400)
    assert refusal is not None
    assert (refusal.group, refusal.limit.requests, refusal.limit.period_text) == (
        "POST /api/v1/order",
        10,
        "1s",
    )
    assert refusal.retry_after_s == 1
    assert limiter.record("POST /api/v1/order", T0 + 1000) is None  # a new 1 s window
    report = limiter.report()["POST /api/v1/order"]
    assert report["1s"] == {"limit": 10, "max_observed": 11, "over_limit": 1}
    assert report["1m"] == {"limit": 300, "max_observed": 12, "over_limit": 0}


def test_retry_after_counts_down_to_the_window_reset() -> None:
    limiter = RateLimiter()
    for i in range(120):
        assert limiter.record("GET /api/v1/users/balances", T0 + i) is None
    refusal = limiter.record("GET /api/v1/users/balances", T0 + 4_500)
    assert refusal is not None and refusal.retry_after_s == 56
    assert refusal.limit.policy == "ip"


def test_windows_are_anchored_at_the_first_request_not_sliding() -> None:
    limiter = RateLimiter()
    for i in range(10):
        limiter.record("DELETE /api/v1/order", T0 + 900 + i)
    # 10 in the window [T0+900, T0+1900): the next one at T0+1899 is refused, at T0+1900 admitted.
    assert limiter.record("DELETE /api/v1/order", T0 + 1899) is not None
    assert limiter.record("DELETE /api/v1/order", T0 + 1900) is None


def test_graph_endpoints_also_count_against_the_graph_group_and_unlisted_routes_are_free() -> None:
    assert groups_of("GET /v1/ohlcs") == ("GET /v1/ohlcs", GRAPH_GROUP)
    assert groups_of("GET /v1/klines/history") == (GRAPH_GROUP,)
    assert groups_of("GET /api/v2/server/time") == ()
    limiter = RateLimiter()
    assert limiter.record("GET /api/v2/server/time", T0) is None
    limiter.record("GET /v1/klines/history", T0)
    assert limiter.report() == {GRAPH_GROUP: {"10m": {"limit": 600, "max_observed": 1, "over_limit": 0}}}
