"""What the REST clients did, per endpoint: attempts by outcome, retries, time on the wire.

The call engine (`bot.exchange.btcturk.engine`) reports every attempt and every retry to a
`CallObserver`. `CallTally` is the one the cycle reads: it counts since the last `drain()`, so
each cycle records its own requests in the ledger (the retry, 429 and error SLOs are computed from
those records, `bot.slo`), and the metrics observer turns the same reports into Prometheus series.

Outcomes are a closed set, so they are safe as metric labels:
- `ok`: an answer the caller used;
- `rejected`: the exchange refused for a business reason (it was up);
- `rate_limited`: HTTP 429 from the exchange;
- `transient`: 5xx, a timeout, a connection error, an unreadable answer;
- `uncertain`: a write whose outcome is unknown;
- `auth`, `fatal`: credentials refused; not recoverable by retrying;
- `refused`: the client itself refused (its rate budget or its circuit breaker): nothing was sent.
"""

from __future__ import annotations

import threading
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Protocol

from bot.exchange.errors import (
    AuthError,
    CircuitOpen,
    ExchangeError,
    Fatal,
    RateLimited,
    Rejected,
    Throttled,
    Transient,
    UncertainOutcome,
)

OUTCOMES = ("ok", "rejected", "rate_limited", "transient", "uncertain", "auth", "fatal", "refused")
FAILED = frozenset({"rate_limited", "transient", "uncertain", "auth", "fatal"})  # sent, and no answer used


def outcome_of(error: ExchangeError | None) -> str:
    """The outcome label of an attempt that raised `error` (None: it succeeded)."""
    if error is None:
        return "ok"
    if isinstance(error, Throttled | CircuitOpen):
        return "refused"
    for kind, label in (
        (RateLimited, "rate_limited"),
        (Rejected, "rejected"),
        (UncertainOutcome, "uncertain"),
        (AuthError, "auth"),
        (Transient, "transient"),
    ):
        if isinstance(error, kind):
            return label
    return "fatal" if isinstance(error, Fatal) else "transient"


class CallObserver(Protocol):
    def attempt(self, endpoint: str, outcome: str, seconds: float) -> None:
        """One attempt of `endpoint` ended with `outcome` after `seconds` (0 when never sent)."""

    def retry(self, endpoint: str) -> None:
        """A read of `endpoint` failed transiently and is about to be tried again."""


class NoCallObserver:
    def attempt(self, endpoint: str, outcome: str, seconds: float) -> None:
        pass

    def retry(self, endpoint: str) -> None:
        pass


@dataclass(slots=True)
class EndpointCalls:
    """One endpoint's attempts since the last drain."""

    sent: int = 0  # attempts that reached the wire (every outcome but `refused`)
    failed: int = 0  # sent, and no answer the caller could use (FAILED outcomes)
    rate_limited: int = 0  # HTTP 429
    retries: int = 0
    refused: int = 0  # refused by the client itself; not sent
    slowest_ms: int = 0


class CallTally:
    """Counts per endpoint since the last `drain()`; shared by every client of a process (the
    async market-data client reports from its own thread, hence the lock)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._calls: dict[str, EndpointCalls] = {}

    def attempt(self, endpoint: str, outcome: str, seconds: float) -> None:
        with self._lock:
            calls = self._calls.setdefault(endpoint, EndpointCalls())
            if outcome == "refused":
                calls.refused += 1
                return
            calls.sent += 1
            calls.failed += outcome in FAILED
            calls.rate_limited += outcome == "rate_limited"
            calls.slowest_ms = max(calls.slowest_ms, round(seconds * 1000))

    def retry(self, endpoint: str) -> None:
        with self._lock:
            self._calls.setdefault(endpoint, EndpointCalls()).retries += 1

    def drain(self) -> dict[str, EndpointCalls]:
        """The counts since the last drain, by endpoint; starts counting afresh."""
        with self._lock:
            calls, self._calls = self._calls, {}
        return calls


class CallObservers:
    """Several observers as one (the cycle's tally and the metrics)."""

    def __init__(self, observers: Iterable[CallObserver]) -> None:
        self._observers = tuple(observers)

    def attempt(self, endpoint: str, outcome: str, seconds: float) -> None:
        for observer in self._observers:
            observer.attempt(endpoint, outcome, seconds)

    def retry(self, endpoint: str) -> None:
        for observer in self._observers:
            observer.retry(endpoint)


def cycle_counters(calls: Mapping[str, EndpointCalls]) -> dict[str, int]:
    """A cycle's requests as the ledger records them (`CycleCompleted.counters`), compactly: the
    totals, and per endpoint only what went wrong (`retries:GET /api/v2/ticker`). Nothing at all
    for a cycle that made no request (a paper replay)."""
    if not calls:
        return {}
    totals = {
        "requests": sum(c.sent for c in calls.values()),
        "request_failures": sum(c.failed for c in calls.values()),
        "rate_limited": sum(c.rate_limited for c in calls.values()),
        "retries": sum(c.retries for c in calls.values()),
        "requests_refused": sum(c.refused for c in calls.values()),
        "request_ms_max": max(c.slowest_ms for c in calls.values()),
    }
    counters = {key: value for key, value in totals.items() if value or key == "requests"}
    for endpoint, c in sorted(calls.items()):
        for name, value in (("retries", c.retries), ("rate_limited", c.rate_limited), ("failures", c.failed)):
            if value:
                counters[f"{name}:{endpoint}"] = value
    return counters
