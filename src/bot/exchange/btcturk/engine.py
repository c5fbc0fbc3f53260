"""The sans-IO call engine shared by the sync and async clients.

A call is a generator (a `Flow`) that yields the IO it needs — `Send` a prepared request, or
`Sleep` — and receives the outcome of a `Send` (`Received` or the httpx error). It owns every
decision around an attempt: circuit breaker admission, the rate limiter's wait, signing with a
fresh stamp, classification, breaker bookkeeping and read retries. A client is only a driver
that performs the yielded IO, blocking or with `await`.
"""

from __future__ import annotations

import logging
import random
import time
from collections.abc import Callable, Generator, Mapping
from dataclasses import dataclass
from typing import Generic, TypeVar

import httpx

from bot.exchange.btcturk.auth import Credentials, StampSource
from bot.exchange.btcturk.breaker import CircuitBreaker
from bot.exchange.btcturk.policy import RetryPolicy, interpret, retry_delay_s, transport_failure
from bot.exchange.btcturk.prepare import BaseUrls, PreparedRequest, prepare
from bot.exchange.btcturk.rate_limit import RateLimiter
from bot.exchange.btcturk.requests import WireRequest
from bot.exchange.call_stats import CallObserver, NoCallObserver, outcome_of
from bot.exchange.errors import CircuitOpen, ExchangeError, Throttled, Transient, UncertainOutcome

T = TypeVar("T")
Parser = Callable[[int, Mapping[str, str], bytes, str], T]

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class Send:
    prepared: PreparedRequest


@dataclass(frozen=True, slots=True)
class Sleep:
    seconds: float


@dataclass(frozen=True, slots=True)
class Received:
    status: int
    headers: Mapping[str, str]
    body: bytes


Action = Send | Sleep
Outcome = Received | httpx.RequestError | None
Flow = Generator[Action, Outcome, T]


def wall_clock_ms() -> int:
    return time.time_ns() // 1_000_000


@dataclass(frozen=True, slots=True, kw_only=True)
class CallPolicy:
    """How a client calls: retries, the shared rate budget and circuit breaker, and its limits.

    Pass the same `limiter` and `breaker` to every client of a process (sync and async) so they
    share one budget and one view of the exchange's health; by default each client has its own.
    `max_rate_wait_s`: the longest a call waits for the rate budget before it gives up.
    `observer` hears of every attempt (endpoint, outcome, seconds on the wire) and every retry;
    `monotonic` times the attempts.
    """

    rng: random.Random | None = None
    retry: RetryPolicy | None = None
    limiter: RateLimiter | None = None
    breaker: CircuitBreaker | None = None
    max_clock_skew_ms: int = 1000
    max_rate_wait_s: float = 5.0
    observer: CallObserver | None = None
    monotonic: Callable[[], float] = time.monotonic


class CallEngine:
    """Everything the clients share. `now_ms` is wall-clock epoch ms (stamps, retry budget)."""

    def __init__(
        self,
        *,
        urls: BaseUrls,
        credentials: Credentials | None,
        now_ms: Callable[[], int],
        policy: CallPolicy | None = None,
    ) -> None:
        policy = policy or CallPolicy()
        self.urls = urls
        self.credentials = credentials
        self.now_ms = now_ms
        self.rng = policy.rng or random.Random()
        self.retry = policy.retry or RetryPolicy()
        self.limiter = policy.limiter or RateLimiter()
        self.breaker = policy.breaker or CircuitBreaker()
        self.stamps = StampSource(now_ms)
        self.max_clock_skew_ms = policy.max_clock_skew_ms
        self.max_rate_wait_s = policy.max_rate_wait_s
        self.observer: CallObserver = policy.observer or NoCallObserver()
        self.monotonic = policy.monotonic

    # -- clock offset ----------------------------------------------------------------------------

    @property
    def clock_offset_ms(self) -> int:
        """Server time minus local time, as last measured; applied to every X-Stamp."""
        return self.stamps.offset_ms

    @property
    def skew_exceeded(self) -> bool:
        return abs(self.stamps.offset_ms) > self.max_clock_skew_ms

    def set_clock_offset(self, offset_ms: int) -> int:
        self.stamps.offset_ms = offset_ms
        if self.skew_exceeded:
            log.warning(
                "local clock differs from the exchange's beyond the threshold; stamps are corrected",
                extra={"fields": {"clock_offset_ms": offset_ms, "threshold_ms": self.max_clock_skew_ms}},
            )
        return offset_ms

    # -- calls -------------------------------------------------------------------------------------

    def call(self, request: WireRequest, parse: Parser[T]) -> Flow[T]:
        """One logical call: reads are retried on Transient within the policy, writes never.

        Local refusals (CircuitOpen, Throttled) are never retried: they exist to fail fast.
        """
        if not request.idempotent:
            return (yield from self._attempt(request, parse))
        started_ms = self.now_ms()
        attempt = 1
        while True:
            try:
                return (yield from self._attempt(request, parse))
            except (CircuitOpen, Throttled):
                raise
            except Transient as error:
                elapsed_s = (self.now_ms() - started_ms) / 1000
                delay_s = retry_delay_s(self.retry, attempt, elapsed_s, error, self.rng)
                if delay_s is None:
                    raise
                self.observer.retry(request.endpoint)
                yield Sleep(delay_s)
                attempt += 1

    def _attempt(self, request: WireRequest, parse: Parser[T]) -> Flow[T]:
        try:
            self.breaker.admit(request.endpoint)
            wait_s = self.limiter.acquire_for(request, max_wait_s=self.max_rate_wait_s)
            if wait_s > self.max_rate_wait_s:
                # Stalling a cycle for most of a minute helps nobody: refuse, the caller fails closed.
                raise Throttled(
                    f"client rate limit: next slot in {wait_s:.1f}s",
                    endpoint=request.endpoint,
                    retry_after_s=wait_s,
                )
        except ExchangeError as refused:
            self.observer.attempt(request.endpoint, outcome_of(refused), 0.0)
            raise
        if wait_s > 0:
            yield Sleep(wait_s)
        # Signed after the wait, so the stamp is fresh when the request leaves.
        prepared = prepare(request, urls=self.urls, credentials=self.credentials, stamps=self.stamps)
        sent = self.monotonic()
        outcome = yield Send(prepared)
        seconds = self.monotonic() - sent
        try:
            result = self._outcome(request, parse, outcome)
        except ExchangeError as error:
            self.observer.attempt(request.endpoint, outcome_of(error), seconds)
            if isinstance(error, Transient | UncertainOutcome):
                self.breaker.record_failure()
            else:
                self.breaker.record_success()  # a refusal is an answer: the exchange is up
            raise
        self.observer.attempt(request.endpoint, "ok", seconds)
        self.breaker.record_success()
        return result

    @staticmethod
    def _outcome(request: WireRequest, parse: Parser[T], outcome: Outcome) -> T:
        if isinstance(outcome, httpx.RequestError):
            raise transport_failure(request, outcome) from outcome
        if not isinstance(outcome, Received):
            raise TypeError(f"a Send must be answered with Received or an httpx error, got {outcome!r}")
        received = outcome
        return interpret(
            request, lambda: parse(received.status, received.headers, received.body, request.endpoint)
        )


@dataclass(frozen=True, slots=True)
class Done(Generic[T]):
    value: T


def step(flow: Flow[T], outcome: Outcome) -> Action | Done[T]:
    """Advance `flow` with `outcome`: the next IO it needs, or Done with its result."""
    try:
        return flow.send(outcome)
    except StopIteration as stop:
        return Done(stop.value)
