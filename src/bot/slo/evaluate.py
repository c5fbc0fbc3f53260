"""Judging a window of recorded cycles against the SLO catalogue.

Each cycle's record (`CycleCompleted`: status, duration, data age, counters) carries what the SLOs
need, so the verdict comes from the ledger alone, with the daemon up or down. Counters a cycle
records when it has something to say (`bot.cycle.run.Measures`, `bot.exchange.call_stats`):
`requests`, `retries`, `rate_limited`, `request_failures` and their per-endpoint forms
(`retries:GET /api/v2/ticker`), `submitted`, `exchange_rejected`, `uncertain`, `submit_ms_max`,
`reconciled`, `reconcile_lag_ms_max`,
`unknown_orders`, `balance_drift`.

A percentile is the nearest-rank value over the cycles that measured it (a cycle records its
slowest submit and its longest fill lag, so a p99 over cycles is an upper bound on the p99 over
submits). An SLO with nothing to measure in the window (no request in a paper replay, no fill)
is `no_data`, which passes.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Literal

from bot.slo.catalogue import SloSpec

Status = Literal["pass", "warn", "fail", "no_data"]
_WARN_WITHOUT_DATA = frozenset({"last_cycle_age_s", "reconcile_age_s"})
Measured = tuple[Decimal | None, int, str]  # value, samples, detail
_RATIO_PLACES = Decimal("0.0001")


@dataclass(frozen=True, slots=True, kw_only=True)
class CycleSample:
    cycle_id: int
    started_ms: int
    completed_ms: int | None  # None: still running (or killed mid-cycle)
    status: str  # running, ok, degraded, failed
    duration_ms: int | None
    max_data_age_ms: int | None
    counters: Mapping[str, int] = field(default_factory=dict)


@dataclass(frozen=True, slots=True, kw_only=True)
class SloResult:
    spec: SloSpec
    value: Decimal | None
    status: Status
    samples: int  # how many cycles (or requests, for the request ratios) the value is over
    detail: str = ""


@dataclass(frozen=True, slots=True, kw_only=True)
class Window:
    """What `evaluate` judges: the window's cycles, oldest first, and the time it ends."""

    samples: Sequence[CycleSample]
    now_ms: int
    data_age_limit_ms: int  # market_data.max_age_ms: older data is stale
    live_clock: bool = True  # False for a replay ledger: its times are the dataset's, not now's
    # From the whole ledger, not the window: a daemon down longer than the window is not healthy.
    last_completed_ms: int | None = None
    last_reconciled_ms: int | None = None


def evaluate(specs: Sequence[SloSpec], window: Window, *, warn_ratio: Decimal) -> list[SloResult]:
    """Every SLO of `specs` over `window`, in the order of `specs`."""
    measures: dict[str, Callable[[Window], Measured]] = {
        "cycle_latency_p99_ms": _cycle_latency,
        "submit_latency_p99_ms": lambda w: _p99_counter(w, "submit_ms_max", "submits"),
        "uncertain_submit_ratio": _uncertain_submits,
        "reconcile_lag_p99_ms": lambda w: _p99_counter(w, "reconcile_lag_ms_max", "fills"),
        "reconcile_age_s": _reconcile_age,
        "market_data_age_p99_ms": _data_age,
        "stale_data_ratio": _stale_ratio,
        "retry_ratio": lambda w: _request_ratio(w, "retries"),
        "rate_limited_ratio": lambda w: _request_ratio(w, "rate_limited"),
        "request_failure_ratio": lambda w: _request_ratio(w, "request_failures", per_endpoint="failures"),
        "unknown_orders": _unknown_orders,
        "balance_drift": _drift,
        "degraded_ratio": _degraded_ratio,
        "failed_cycles": _failed,
        "last_cycle_age_s": _last_cycle_age,
    }
    results = []
    for spec in specs:
        value, samples, detail = measures[spec.name](window)
        status = judge(spec, value, warn_ratio)
        if value is None and window.live_clock and spec.name in _WARN_WITHOUT_DATA:
            status = "warn"  # a live ledger on which no cycle (or reconcile) has ever completed
        results.append(SloResult(spec=spec, value=value, status=status, samples=samples, detail=detail))
    return results


def judge(spec: SloSpec, value: Decimal | None, warn_ratio: Decimal) -> Status:
    if value is None:
        return "no_data"
    if value > spec.threshold:
        return "fail"
    if spec.threshold > 0 and value > spec.threshold * warn_ratio:
        return "warn"
    return "pass"


def percentile(values: Sequence[int], share: Decimal = Decimal("0.99")) -> int:
    """Nearest rank: the smallest value at or above `share` of them."""
    ordered = sorted(values)
    return ordered[max(0, math.ceil(share * len(ordered)) - 1)]


def _completed(w: Window) -> list[CycleSample]:
    return [s for s in w.samples if s.completed_ms is not None]


def _cycle_latency(w: Window) -> Measured:
    durations = [s.duration_ms for s in _completed(w) if s.duration_ms is not None]
    if not durations:
        return None, 0, "no completed cycle in the window"
    return Decimal(percentile(durations)), len(durations), f"slowest {max(durations)} ms"


def _p99_counter(w: Window, key: str, what: str) -> Measured:
    values = [s.counters[key] for s in w.samples if key in s.counters]
    if not values:
        return None, 0, f"no {what} in the window"
    detail = f"{len(values)} cycles with {what}; worst {max(values)} ms"
    return Decimal(percentile(values)), len(values), detail


def _reconcile_age(w: Window) -> Measured:
    done = [s for s in _completed(w) if s.counters.get("reconciled")]
    if done:
        last = done[-1]
        assert last.completed_ms is not None
        return _seconds(w.now_ms - last.completed_ms), len(done), f"last in cycle {last.cycle_id}"
    if w.last_reconciled_ms is not None:
        return _seconds(w.now_ms - w.last_reconciled_ms), 0, "none in the window; the last one before it"
    if not w.samples:
        return None, 0, "no reconcile has completed on this ledger"
    since = w.samples[0].started_ms
    return _seconds(w.now_ms - since), len(w.samples), "no complete reconcile in the window, nor before it"


def _data_age(w: Window) -> Measured:
    ages = [s.max_data_age_ms for s in w.samples if s.max_data_age_ms is not None]
    if not ages:
        return None, 0, "no market data in the window"
    return Decimal(percentile(ages)), len(ages), f"oldest {max(ages)} ms"


def _stale_ratio(w: Window) -> Measured:
    ages = [s.max_data_age_ms for s in w.samples if s.max_data_age_ms is not None]
    if not ages:
        return None, 0, "no market data in the window"
    stale = sum(1 for age in ages if age > w.data_age_limit_ms)
    detail = f"{stale} of {len(ages)} cycles on data older than {w.data_age_limit_ms} ms"
    return _ratio(stale, len(ages)), len(ages), detail


def _request_ratio(w: Window, key: str, *, per_endpoint: str | None = None) -> Measured:
    requests = sum(s.counters.get("requests", 0) for s in w.samples)
    if not requests:
        return None, 0, "no exchange request in the window"
    count = sum(s.counters.get(key, 0) for s in w.samples)
    prefix = f"{per_endpoint or key}:"
    by_endpoint: dict[str, int] = {}
    for s in w.samples:
        for name, value in s.counters.items():
            if name.startswith(prefix):
                by_endpoint[name[len(prefix) :]] = by_endpoint.get(name[len(prefix) :], 0) + value
    detail = f"{count} in {requests} requests"
    if by_endpoint:
        worst = max(sorted(by_endpoint), key=lambda e: by_endpoint[e])
        detail += f"; most on {worst} ({by_endpoint[worst]})"
    return _ratio(count, requests), requests, detail


def _uncertain_submits(w: Window) -> Measured:
    sent = sum(
        s.counters.get(k, 0) for s in w.samples for k in ("submitted", "exchange_rejected", "uncertain")
    )
    if not sent:
        return None, 0, "no submit in the window"
    uncertain = sum(s.counters.get("uncertain", 0) for s in w.samples)
    return _ratio(uncertain, sent), sent, f"{uncertain} of {sent} submits"


def _unknown_orders(w: Window) -> Measured:
    done = _completed(w)
    if not done:
        return None, 0, "no completed cycle in the window"
    most = max(s.counters.get("unknown_orders", 0) for s in done)
    now = done[-1].counters.get("unknown_orders", 0)
    return Decimal(now), len(done), f"{now} at the last cycle; at most {most} in the window"


def _drift(w: Window) -> Measured:
    done = _completed(w)
    if not done:
        return None, 0, "no completed cycle in the window"
    streak = 0
    for s in reversed(done):
        if not s.counters.get("balance_drift"):
            break
        streak += 1
    total = sum(1 for s in done if s.counters.get("balance_drift"))
    return Decimal(streak), len(done), f"{streak} drifting now in a row; {total} in the window"


def _degraded_ratio(w: Window) -> Measured:
    done = _completed(w)
    if not done:
        return None, 0, "no completed cycle in the window"
    bad = [s for s in done if s.status in ("degraded", "failed")]
    refused = sum(1 for s in bad if s.counters.get("requests_refused"))
    detail = f"{len(bad)} of {len(done)} cycles"
    if refused:
        detail += (
            f", {refused} of them with requests the client refused itself (rate limiter or open breaker)"
        )
    return _ratio(len(bad), len(done)), len(done), detail


def _failed(w: Window) -> Measured:
    done = _completed(w)
    if not done:
        return None, 0, "no completed cycle in the window"
    failed = sum(1 for s in done if s.status == "failed")
    return Decimal(failed), len(done), f"{failed} of {len(done)} cycles"


def _last_cycle_age(w: Window) -> Measured:
    done = _completed(w)
    if not w.live_clock:
        return None, len(done), "a replay ledger: its cycles ran on the dataset's clock"
    if done:
        last = done[-1]
        assert last.completed_ms is not None
        return _seconds(w.now_ms - last.completed_ms), len(done), f"cycle {last.cycle_id}"
    if w.last_completed_ms is not None:
        return _seconds(w.now_ms - w.last_completed_ms), 0, "no cycle in the window; the last one before it"
    return None, 0, "no cycle has completed on this ledger"


def _ratio(part: int, whole: int) -> Decimal:
    return (Decimal(part) / Decimal(whole)).quantize(_RATIO_PLACES)


def _seconds(ms: int) -> Decimal:
    return (Decimal(max(0, ms)) / 1000).quantize(Decimal("0.1"))
