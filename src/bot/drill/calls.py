"""The longest run of attempts one call made, per endpoint: what "retried within limits" means.

The call engine reports every attempt and every retry (`bot.exchange.call_stats.CallObserver`),
in order: a retry announces that the next attempt belongs to the same call. The ledger records
only per-cycle sums, so a drill listens to the engine itself.
"""

from __future__ import annotations


class AttemptRuns:
    def __init__(self) -> None:
        self.longest: dict[str, int] = {}  # endpoint -> most attempts one call made
        self._current = 0
        self._retrying = False

    def attempt(self, endpoint: str, outcome: str, seconds: float) -> None:
        self._current = self._current + 1 if self._retrying else 1
        self._retrying = False
        self.longest[endpoint] = max(self.longest.get(endpoint, 0), self._current)

    def retry(self, endpoint: str) -> None:
        self._retrying = True
