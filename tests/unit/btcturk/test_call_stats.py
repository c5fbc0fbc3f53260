"""Every REST attempt and retry reaches the call observer with its endpoint and outcome, and a
cycle's requests become the compact counters the ledger records (what the retry, 429 and error
SLOs are computed from)."""

from __future__ import annotations

import random
from decimal import Decimal
from pathlib import Path

import httpx
import pytest

from bot.domain.orders import Side, SubmitOrder
from bot.exchange.btcturk import BtcturkClient, Credentials, RetryPolicy
from bot.exchange.btcturk.engine import CallPolicy
from bot.exchange.call_stats import CallObservers, CallTally, EndpointCalls, cycle_counters, outcome_of
from bot.exchange.errors import (
    AuthError,
    CircuitOpen,
    Fatal,
    MalformedPayload,
    RateLimited,
    Rejected,
    Throttled,
    Transient,
    UncertainOutcome,
)
from bot.testing import FakeClock

FIXTURES = Path(__file__).parent / "fixtures"
TICKER = "GET /api/v2/ticker"


class Seconds:
    """A monotonic clock that moves 0.25 s on every read: each attempt takes 0.25 s on the wire."""

    def __init__(self) -> None:
        self.t = 0.0

    def __call__(self) -> float:
        self.t += 0.25
        return self.t


def client(responses: list[httpx.Response], tally: CallTally) -> BtcturkClient:
    clock = FakeClock()
    answers = iter(responses)
    return BtcturkClient(
        base_url="http://exchange.test",
        credentials=Credentials("00000000-0000-0000-0000-000000000000", "c2VjcmV0"),
        transport=httpx.MockTransport(lambda request: next(answers)),
        now_ms=clock.now_ms,
        sleep=clock.sleep,
        policy=CallPolicy(
            rng=random.Random(1),
            retry=RetryPolicy(max_attempts=4, base_delay_s=0.1, max_delay_s=0.2, total_budget_s=30.0),
            observer=tally,
            monotonic=Seconds(),
        ),
    )


def ticker() -> httpx.Response:
    return httpx.Response(200, content=(FIXTURES / "ticker.json").read_bytes())


def test_a_read_that_is_retried_reports_each_attempt_and_each_retry():
    tally = CallTally()
    responses = [httpx.Response(503), httpx.Response(429, headers={"Retry-After": "0"}), ticker()]
    client(responses, tally).ticker("BTCTRY")
    calls = tally.drain()[TICKER]
    assert (calls.sent, calls.failed, calls.rate_limited, calls.retries, calls.refused) == (3, 2, 1, 2, 0)
    assert calls.slowest_ms == 250
    assert tally.drain() == {}, "a drain starts the count afresh"


def test_a_submit_is_never_retried_and_its_unknown_outcome_is_reported_as_such():
    tally = CallTally()
    order = SubmitOrder(
        client_order_id="c", symbol="BTCTRY", side=Side.BUY, price=Decimal(1), quantity=Decimal(1)
    )
    with pytest.raises(UncertainOutcome):
        client([httpx.Response(504)], tally).submit_order(order)
    [(endpoint, calls)] = tally.drain().items()
    assert endpoint == "POST /api/v1/order"
    assert (calls.sent, calls.failed, calls.retries) == (1, 1, 0)


def test_a_request_the_client_refuses_itself_is_counted_as_refused_not_sent():
    tally = CallTally()
    c = client([ticker()], tally)
    for _ in range(5):  # the breaker's default threshold
        c.breaker.record_failure()
    with pytest.raises(CircuitOpen):
        c.ticker("BTCTRY")
    calls = tally.drain()[TICKER]
    assert (calls.sent, calls.refused) == (0, 1)


@pytest.mark.parametrize(
    ("error", "outcome"),
    [
        (None, "ok"),
        (Throttled("x"), "refused"),
        (CircuitOpen("x"), "refused"),
        (RateLimited("x"), "rate_limited"),
        (Rejected("x"), "rejected"),
        (UncertainOutcome("x"), "uncertain"),
        (AuthError("x"), "auth"),
        (MalformedPayload("x"), "transient"),
        (Transient("x"), "transient"),
        (Fatal("x"), "fatal"),
    ],
)
def test_every_error_class_has_one_bounded_outcome_label(error, outcome):
    assert outcome_of(error) == outcome


def test_a_cycle_records_totals_and_only_the_endpoints_that_went_wrong():
    assert cycle_counters({}) == {}, "a paper replay makes no request and records nothing more"
    calls = {
        TICKER: EndpointCalls(sent=5, failed=2, rate_limited=1, retries=2, slowest_ms=120),
        "GET /api/v1/users/balances": EndpointCalls(sent=1, slowest_ms=40),
    }
    assert cycle_counters(calls) == {
        "requests": 6,
        "request_failures": 2,
        "rate_limited": 1,
        "retries": 2,
        "request_ms_max": 120,
        f"retries:{TICKER}": 2,
        f"rate_limited:{TICKER}": 1,
        f"failures:{TICKER}": 2,
    }
    quiet = {TICKER: EndpointCalls(sent=3, slowest_ms=0)}
    assert cycle_counters(quiet) == {"requests": 3}


def test_observers_fan_out():
    a, b = CallTally(), CallTally()
    both = CallObservers([a, b])
    both.attempt(TICKER, "ok", 0.01)
    both.retry(TICKER)
    assert a.drain() == b.drain() == {TICKER: EndpointCalls(sent=1, retries=1, slowest_ms=10)}
