"""The exchange error taxonomy. Adapters classify every failure once, into one of these.

The loop acts on the class: Transient and RateLimited are retried (reads only), Rejected is a
business refusal recorded against the order, UncertainOutcome is resolved by lookup and never
by re-sending, AuthError and Fatal stop side effects until an operator acts.
"""

from __future__ import annotations


class ExchangeError(Exception):
    """Base class. `endpoint` names the call that failed (e.g. 'POST /api/v1/order')."""

    def __init__(self, message: str, *, endpoint: str = "") -> None:
        super().__init__(f"{endpoint}: {message}" if endpoint else message)
        self.endpoint = endpoint


class Transient(ExchangeError):
    """Network error, timeout before sending, 5xx, malformed read response: safe to retry a read."""


class RateLimited(Transient):
    """HTTP 429. `retry_after_s` is the server's Retry-After, if it sent one."""

    def __init__(self, message: str, *, endpoint: str = "", retry_after_s: float | None = None) -> None:
        super().__init__(message, endpoint=endpoint)
        self.retry_after_s = retry_after_s


class Rejected(ExchangeError):
    """The exchange refused the request for a business reason (e.g. FAILED_MIN_TOTAL_AMOUNT)."""

    def __init__(self, message: str, *, endpoint: str = "", code: int | None = None, token: str = "") -> None:
        super().__init__(message, endpoint=endpoint)
        self.code = code
        self.token = token


class AuthError(ExchangeError):
    """401/403: wrong key or secret, bad signature, stamp outside the window, missing permission."""


class UncertainOutcome(ExchangeError):
    """A state-changing request was sent but its result is unknown. Resolve by lookup only."""


class MalformedPayload(Transient):
    """The response did not match the wire schema. `field` names the offending field."""

    def __init__(self, message: str, *, endpoint: str = "", field: str = "") -> None:
        super().__init__(f"{message} (field {field!r})" if field else message, endpoint=endpoint)
        self.field = field


class Fatal(ExchangeError):
    """Not recoverable by retrying (e.g. 404 on a known route, unsupported protocol)."""


class NotSent(Transient):
    """The request provably never reached the exchange (e.g. connection refused).

    For a submit this is a definite 'not placed', unlike a timeout after sending.
    """


class CircuitOpen(NotSent):
    """The client's circuit breaker is open: the request was refused locally and never sent."""


class Throttled(RateLimited):
    """The client's own rate limiter refused: the next free slot is further away than the client
    will wait (`retry_after_s`). Nothing was sent."""


ERROR_CLASSES = tuple(
    cls.__name__
    for cls in (
        Transient, RateLimited, Rejected, AuthError, UncertainOutcome, MalformedPayload, Fatal, NotSent,
        CircuitOpen, Throttled,
    )
)  # fmt: skip
"""The class names that label exchange errors in metrics (every class above but the base)."""
