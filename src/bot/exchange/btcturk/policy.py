"""What a failure means and whether to try again. Sans-IO: shared by the sync and async clients.

Reads (idempotent requests) are retried on Transient/RateLimited with exponential backoff and full
jitter, never sooner than the server's Retry-After, within a total time budget. State-changing
requests are never retried here: once they may have reached the exchange, a lost or unreadable
answer is an UncertainOutcome, resolved only by looking the order up.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass
from typing import TypeVar

import httpx

from bot.exchange.btcturk.requests import WireRequest
from bot.exchange.errors import ExchangeError, Fatal, NotSent, RateLimited, Transient, UncertainOutcome

T = TypeVar("T")

# Raised before any byte of the request left: the exchange cannot have seen it, so even a
# submit is reported as NotSent (definitely not placed) rather than uncertain.
_NOT_SENT = (httpx.ConnectError, httpx.ConnectTimeout, httpx.PoolTimeout)


@dataclass(frozen=True, slots=True, kw_only=True)
class RetryPolicy:
    """`max_attempts` counts the first try; delays and the budget are in seconds."""

    max_attempts: int = 4
    base_delay_s: float = 0.25
    max_delay_s: float = 8.0
    total_budget_s: float = 20.0

    def __post_init__(self) -> None:
        if self.max_attempts < 1:
            raise ValueError("max_attempts must be >= 1")
        if min(self.base_delay_s, self.max_delay_s, self.total_budget_s) < 0:
            raise ValueError("delays and budget must be >= 0")


def retry_delay_s(
    policy: RetryPolicy, attempt: int, elapsed_s: float, error: Transient, rng: random.Random
) -> float | None:
    """Seconds to wait before attempt `attempt + 1`, or None to give up and re-raise `error`.

    Full jitter: uniform(0, min(max_delay, base * 2**(attempt-1))), raised to Retry-After when the
    server sent one. Gives up after `max_attempts` or when the wait would overrun the budget.
    """
    if attempt >= policy.max_attempts:
        return None
    ceiling = min(policy.max_delay_s, policy.base_delay_s * 2 ** (attempt - 1))
    delay = rng.uniform(0.0, ceiling)
    if isinstance(error, RateLimited) and error.retry_after_s is not None:
        delay = max(delay, error.retry_after_s)
    if elapsed_s + delay > policy.total_budget_s:
        return None
    return delay


def transport_failure(request: WireRequest, error: httpx.RequestError) -> ExchangeError:
    """Classify an httpx failure (no response was read) for `request`."""
    detail = f"{type(error).__name__}: {error}".rstrip(": ")
    if isinstance(error, httpx.UnsupportedProtocol):
        return Fatal(detail, endpoint=request.endpoint)
    if isinstance(error, _NOT_SENT):
        return NotSent(detail, endpoint=request.endpoint)
    if request.idempotent:
        return Transient(detail, endpoint=request.endpoint)
    return UncertainOutcome(f"sent, no answer ({detail})", endpoint=request.endpoint)


def interpret(request: WireRequest, parse: Callable[[], T]) -> T:
    """Run a parser over a received response, applying the state-change rule.

    For a non-idempotent request a 5xx or an unreadable answer says nothing about whether the
    exchange acted, so it becomes UncertainOutcome. A 429 stays RateLimited: the limiter refused
    the request before it was processed.
    """
    try:
        return parse()
    except RateLimited:
        raise
    except Transient as e:
        if request.idempotent:
            raise
        raise UncertainOutcome(f"answer unusable ({e})", endpoint=request.endpoint) from e
