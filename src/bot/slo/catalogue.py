"""The SLO set, in one place: each with its threshold, its unit and what the operator does.

Thresholds come from the `[slo]` configuration section (`bot.config.slo_schema`); the defaults are
what a healthy BTCTurk deployment meets. Every SLO is "lower is better": a value above its
threshold fails, and one above `warn_ratio` of it warns. runbooks/slo.md has a section per SLO,
named as here.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal


@dataclass(frozen=True, slots=True, kw_only=True)
class SloThresholds:
    cycle_latency_p99_ms: int
    submit_latency_p99_ms: int
    uncertain_submit_ratio: Decimal
    reconcile_lag_p99_ms: int
    reconcile_max_age_s: int
    market_data_age_p99_ms: int
    stale_data_ratio: Decimal
    retry_ratio: Decimal
    rate_limited_ratio: Decimal
    request_failure_ratio: Decimal
    unknown_orders: int
    balance_drift_cycles: int
    degraded_ratio: Decimal
    failed_cycles: int
    last_cycle_max_age_s: int
    warn_ratio: Decimal


@dataclass(frozen=True, slots=True, kw_only=True)
class SloSpec:
    name: str  # stable: the JSON key, the metric label, the runbook section
    title: str
    unit: str  # "ms", "s", "ratio", "count"
    threshold: Decimal
    action: str  # the operator's first step when it fails

    @property
    def runbook(self) -> str:
        return f"runbooks/slo.md#{self.name}"


def catalogue(t: SloThresholds) -> tuple[SloSpec, ...]:
    """Every SLO with its threshold from `t`, in the order reports list them."""

    def spec(name: str, title: str, unit: str, threshold: int | Decimal, action: str) -> SloSpec:
        return SloSpec(name=name, title=title, unit=unit, threshold=Decimal(threshold), action=action)

    return (
        spec("cycle_latency_p99_ms", "cycle latency, p99", "ms", t.cycle_latency_p99_ms,
             "find the slow phase in the cycle spans; check exchange latency and the disk"),
        spec("submit_latency_p99_ms", "submit latency, p99 (decision to the exchange's answer)", "ms",
             t.submit_latency_p99_ms, "check exchange latency per endpoint and the rate-limit waits"),
        spec("uncertain_submit_ratio", "submits whose outcome was unknown when answered", "ratio",
             t.uncertain_submit_ratio, "lookups settle them (runbooks/unknown-order.md)"),
        spec("reconcile_lag_p99_ms", "reconcile lag, p99 (exchange fill to ledger)", "ms",
             t.reconcile_lag_p99_ms, "check the trade-history reads and the cycle cadence"),
        spec("reconcile_age_s", "time since the last complete reconcile", "s", t.reconcile_max_age_s,
             "the trade-history or open-order reads are failing: check exchange errors"),
        spec("market_data_age_p99_ms", "market data age, p99", "ms", t.market_data_age_p99_ms,
             "check the feed (bot_feed_events_total) and the market-data reads"),
        spec("stale_data_ratio", "cycles on data older than market_data.max_age_ms", "ratio",
             t.stale_data_ratio, "no orders go out on stale data; restore the feed"),
        spec("retry_ratio", "read retries per request", "ratio", t.retry_ratio,
             "the exchange is failing transiently: check its status and our error log"),
        spec("rate_limited_ratio", "HTTP 429 answers per request", "ratio", t.rate_limited_ratio,
             "lower exchange.rate_limit_ratio or lengthen loop.cycle_seconds"),
        spec("request_failure_ratio", "requests without a usable answer", "ratio", t.request_failure_ratio,
             "check exchange errors by endpoint (bot_exchange_requests_total)"),
        spec("unknown_orders", "orders whose outcome is unknown, at the end of the window", "count",
             t.unknown_orders, "runbooks/unknown-order.md"),
        spec("balance_drift", "cycles with ledger and exchange balances apart", "count",
             t.balance_drift_cycles, "runbooks/exchange-and-ledger-disagree.md"),
        spec("degraded_ratio", "cycles degraded or failed", "ratio", t.degraded_ratio,
             "read the cycle's log lines: degraded says which read failed"),
        spec("failed_cycles", "cycles that failed", "count", t.failed_cycles,
             "a failed cycle stopped the daemon on a ledger error: runbooks/ledger-refused-at-start.md"),
        spec("last_cycle_age_s", "time since the last completed cycle", "s", t.last_cycle_max_age_s,
             "the daemon is down or stalled: check the service and its log"),
    )  # fmt: skip


SLO_NAMES = tuple(
    s.name
    for s in catalogue(
        SloThresholds(
            cycle_latency_p99_ms=0, submit_latency_p99_ms=0, uncertain_submit_ratio=Decimal(0),
            reconcile_lag_p99_ms=0, reconcile_max_age_s=0,
            market_data_age_p99_ms=0, stale_data_ratio=Decimal(0), retry_ratio=Decimal(0),
            rate_limited_ratio=Decimal(0), request_failure_ratio=Decimal(0), unknown_orders=0,
            balance_drift_cycles=0, degraded_ratio=Decimal(0), failed_cycles=0, last_cycle_max_age_s=0,
            warn_ratio=Decimal(1),
        )
    )
)  # fmt: skip
"""The SLO names in report order."""
