"""A circuit breaker over the whole exchange: consecutive transient failures mark it degraded.

Closed: every request passes. After `failure_threshold` consecutive transient failures (any
endpoint: network errors, timeouts, 5xx, 429, unusable answers) it opens: the exchange is
*degraded* and requests fail fast with CircuitOpen, except one probe every `probe_interval_s`.
Any answer that proves the exchange is up (a success, or a business refusal) closes it again.
Thread-safe, so the sync and async clients of one process can share one breaker.
"""

from __future__ import annotations

import logging
import math
import threading
import time
from collections.abc import Callable

from bot.exchange.errors import CircuitOpen

log = logging.getLogger(__name__)


class CircuitBreaker:
    """`monotonic` is a clock in seconds (injected in tests)."""

    def __init__(
        self,
        *,
        failure_threshold: int = 5,
        probe_interval_s: float = 15.0,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        if failure_threshold < 1:
            raise ValueError("failure_threshold must be >= 1")
        if probe_interval_s < 0:
            raise ValueError("probe_interval_s must be >= 0")
        self._threshold = failure_threshold
        self._probe_interval_s = probe_interval_s
        self._monotonic = monotonic
        self._lock = threading.Lock()
        self._failures = 0
        self._open = False
        self._next_probe_at = math.inf

    @property
    def degraded(self) -> bool:
        """True while the breaker is open: the risk layer should stop opening new exposure."""
        with self._lock:
            return self._open

    @property
    def consecutive_failures(self) -> int:
        with self._lock:
            return self._failures

    def admit(self, endpoint: str = "") -> None:
        """Let a request through, or raise CircuitOpen (nothing is sent) while the breaker is open.

        While open, the first request at or after each probe time goes through as the probe.
        """
        with self._lock:
            if not self._open:
                return
            now = self._monotonic()
            if now >= self._next_probe_at:
                self._next_probe_at = now + self._probe_interval_s
                return
            wait_s = self._next_probe_at - now
        raise CircuitOpen(f"circuit open, next probe in {wait_s:.1f}s", endpoint=endpoint)

    def record_success(self) -> None:
        """The exchange answered (successfully or with a business refusal): close the breaker."""
        with self._lock:
            was_open = self._open
            self._failures = 0
            self._open = False
            self._next_probe_at = math.inf
        if was_open:
            log.warning("exchange circuit closed: a probe succeeded")

    def record_failure(self) -> None:
        """One more consecutive transient failure; opens the breaker at the threshold."""
        with self._lock:
            self._failures += 1
            opened = not self._open and self._failures >= self._threshold
            if opened:
                self._open = True
                self._next_probe_at = self._monotonic() + self._probe_interval_s
            failures = self._failures
        if opened:
            log.warning(
                "exchange circuit opened: degraded", extra={"fields": {"consecutive_failures": failures}}
            )
