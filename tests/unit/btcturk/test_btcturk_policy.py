import random
from decimal import Decimal

import httpx

from bot.domain.orders import Side, SubmitOrder
from bot.exchange.btcturk import requests
from bot.exchange.btcturk.policy import RetryPolicy, retry_delay_s, transport_failure
from bot.exchange.errors import NotSent, RateLimited, Transient, UncertainOutcome

ORDER = SubmitOrder(
    client_order_id="c", symbol="BTCTRY", side=Side.SELL, price=Decimal(1), quantity=Decimal(1)
)
POLICY = RetryPolicy(max_attempts=4, base_delay_s=1.0, max_delay_s=4.0, total_budget_s=30.0)


def test_full_jitter_stays_under_the_exponential_ceiling() -> None:
    rng = random.Random(7)
    for attempt, ceiling in [(1, 1.0), (2, 2.0), (3, 4.0)]:
        for _ in range(50):
            delay = retry_delay_s(POLICY, attempt, 0.0, Transient("x"), rng)
            assert delay is not None and 0.0 <= delay <= ceiling


def test_gives_up_at_max_attempts() -> None:
    assert retry_delay_s(POLICY, 4, 0.0, Transient("x"), random.Random(1)) is None


def test_never_sleeps_less_than_retry_after() -> None:
    delay = retry_delay_s(POLICY, 1, 0.0, RateLimited("x", retry_after_s=7.0), random.Random(1))
    assert delay == 7.0


def test_gives_up_when_the_wait_would_overrun_the_budget() -> None:
    assert retry_delay_s(POLICY, 1, 25.0, RateLimited("x", retry_after_s=7.0), random.Random(1)) is None


def test_connect_error_on_a_write_is_not_sent_but_read_timeout_is_uncertain() -> None:
    write = requests.submit_order(ORDER)
    assert type(transport_failure(write, httpx.ConnectError("refused"))) is NotSent
    assert isinstance(transport_failure(write, httpx.ReadTimeout("slow")), UncertainOutcome)
    assert type(transport_failure(requests.balances(), httpx.ReadTimeout("slow"))) is Transient
