"""Whether a cadence fits BTCTurk's rate limits: the REST reads a cycle makes, against what each
endpoint allows (`bot.exchange.btcturk.rate_limit.BTCTURK_LIMITS`, scaled by
`exchange.rate_limit_ratio`).

A daemon that cycles faster than its reads allow degrades itself: the client's own limiter
refuses the read that would break a limit (nothing is sent, the cycle is abandoned safely), and
the `degraded_ratio` SLO fails. `bot config check` and the daemon's start say so, with the
slowest endpoint and the shortest cycle that sustains it.

Per cycle, against an exchange: each symbol's ticker and order book when market data is read over
REST (`market_data.feed = "rest"`; with the WebSocket feed, REST is only the fallback for a stale
symbol); with `exchange.adapter = "btcturk"` and `exchange.account_reads = "every_cycle"`, the
account's balances, open orders and trade history (paced, the default, reads them only as often
as `account_read_interval_ms` allows: `bot.cycle.account_reads`). A cycle with new fills reads
the balances and open orders once more, and lookups of orders that left the book read more: the
figures here are the floor.
"""

from __future__ import annotations

from dataclasses import dataclass

from bot.config import Settings
from bot.exchange.btcturk.rate_limit import BTCTURK_LIMITS

ACCOUNT_READS = (
    "get /api/v1/users/balances",
    "get /api/v1/openorders",
    "get /api/v1/users/transactions/trade",
)
MARKET_READS = ("get /api/v2/ticker", "get /api/v2/orderbook")


@dataclass(frozen=True, slots=True, kw_only=True)
class ReadLoad:
    group: str  # the limiter group: "get /api/v1/users/balances"
    per_cycle: int
    allowed_per_s: float  # the tightest of the group's windows, scaled
    cycle_seconds: float

    @property
    def needed_per_s(self) -> float:
        return self.per_cycle / self.cycle_seconds

    @property
    def shortest_cycle_s(self) -> float:
        return self.per_cycle / self.allowed_per_s

    @property
    def sustainable(self) -> bool:
        return self.needed_per_s <= self.allowed_per_s

    def describe(self) -> str:
        method, path = self.group.split(" ", 1)
        return (
            f"a cycle every {self.cycle_seconds:g} s makes {self.needed_per_s:.1f} {method.upper()} {path}"
            f" requests a second; the exchange allows {self.allowed_per_s:.2f}/s at"
            f" exchange.rate_limit_ratio: cycles of at least {self.shortest_cycle_s:.2f} s sustain it"
        )


def cycle_reads(settings: Settings) -> dict[str, int]:
    """REST reads per cycle by limiter group, the floor (see the module docstring). A paced account
    (`exchange.account_reads = "paced"`) is read only as often as its limits allow, so it never
    overruns them and is not counted."""
    reads: dict[str, int] = {}
    if settings.market_data.source == "exchange" and settings.market_data.feed == "rest":
        for group in MARKET_READS:
            reads[group] = len(settings.universe.symbols)
    if settings.exchange.adapter == "btcturk" and settings.exchange.account_reads == "every_cycle":
        for group in ACCOUNT_READS:
            reads[group] = 1
    return reads


def read_loads(settings: Settings, cycle_seconds: float | None = None) -> list[ReadLoad]:
    """Each group's load at `cycle_seconds` (default `loop.cycle_seconds`), slowest-fitting first."""
    seconds = settings.loop.cycle_seconds if cycle_seconds is None else cycle_seconds
    ratio = settings.exchange.rate_limit_ratio
    loads = []
    for group, per_cycle in cycle_reads(settings).items():
        allowed = min(max(1, int(rule.limit * ratio)) / rule.period_s for rule in BTCTURK_LIMITS[group])
        loads.append(ReadLoad(group=group, per_cycle=per_cycle, allowed_per_s=allowed, cycle_seconds=seconds))
    return sorted(loads, key=lambda load: load.shortest_cycle_s, reverse=True)


def cadence_warnings(settings: Settings, cycle_seconds: float | None = None) -> list[str]:
    """One line per endpoint the cadence cannot sustain; empty when it fits (or reads a replay)."""
    return [load.describe() for load in read_loads(settings, cycle_seconds) if not load.sustainable]


ACCOUNT_SHARE = 0.8  # of the scaled limits: room for a cycle's second read after new fills


def account_read_interval_ms(settings: Settings) -> int:
    """How often a paced daemon reads its account over REST: the slowest account endpoint's
    allowance, at ACCOUNT_SHARE of it. 0 (every cycle) for a paper account, whose reads are free,
    or with `exchange.account_reads = "every_cycle"`."""
    if settings.exchange.adapter != "btcturk" or settings.exchange.account_reads == "every_cycle":
        return 0
    ratio = settings.exchange.rate_limit_ratio
    slowest = min(
        max(1, int(rule.limit * ratio)) / rule.period_s
        for group in ACCOUNT_READS
        for rule in BTCTURK_LIMITS[group]
    )
    return int(1000 / (slowest * ACCOUNT_SHARE))
