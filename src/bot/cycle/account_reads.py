"""Reading the account (balances, open orders, fills) as often as BTCTurk's rate limits allow.

A cycle reads the market every time; the account's REST endpoints allow fewer requests
(balances and the trade history 120 a minute each, open orders 300). With
`exchange.account_reads = "paced"` a cycle reads the account only when `interval_ms` has passed
since the last read; a cycle in between reuses that read and is *not fresh*: it reconciles
nothing over REST, keeps the drift check for the next read, and the safety gate refuses its
submits (`account_not_fresh`), so no order is ever placed on balances the exchange may have
moved since. Cancels, the stream's confirmations and lookups of uncertain orders still run.
The interval comes from the limits (`bot.app.read_budget.account_read_interval_ms`).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field

from bot.domain.account import AccountSnapshot


def _monotonic_ms() -> int:
    return time.monotonic_ns() // 1_000_000


@dataclass(slots=True)
class AccountReadPlan:
    """When to read the account. Times are `monotonic_ms` (injected in tests): the rate limits
    count real time, whatever the cycle's own clock (a replay's) says."""

    interval_ms: int = 0  # 0: every cycle
    monotonic_ms: Callable[[], int] = field(default=_monotonic_ms)
    next_due_ms: int | None = None
    last: AccountSnapshot | None = None

    def due(self) -> bool:
        """True when this cycle reads the account (the first cycle always does)."""
        if self.last is None or self.next_due_ms is None:
            return True
        return self.monotonic_ms() >= self.next_due_ms

    def read(self, account: AccountSnapshot) -> None:
        """Every read spends one interval of the budget: a cycle that reads twice (again after new
        fills) pushes the next read two intervals out, so reads average one per interval however
        many fills come."""
        now = self.monotonic_ms()
        start = now if self.next_due_ms is None else max(now, self.next_due_ms)
        self.last, self.next_due_ms = account, start + self.interval_ms
