"""Governance inputs read from the recent cycles (newest first): the anomaly monitor's
observation, the exchange's submit outcomes over the reject window, and the run of cycles in a
row that hit a critical error. Pure functions of domain values; the cycle engine supplies the
window (`bot.cycle.recent_cycles`)."""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal

from bot.domain.cycles import CycleOutcome, CycleStatus
from bot.risk.anomaly import Observation
from bot.risk.reject_rate import SubmitOutcomes


def observation(
    recent_cycles: Sequence[CycleOutcome], *, data_age_ms: int, divergence: Decimal, clock_skew_ms: int
) -> Observation:
    """What the anomaly detector sees this cycle: the last completed cycle's latency and counters."""
    last = recent_cycles[0] if recent_cycles else None
    return Observation(
        data_age_ms=data_age_ms,
        cycle_latency_ms=(last.duration_ms or 0) if last else 0,
        accepted=last.count("submitted") if last else 0,
        rejects=last.count("exchange_rejected") if last else 0,
        equity_divergence_ratio=divergence,
        clock_skew_ms=abs(clock_skew_ms),
    )


def submit_outcomes(cycles: Sequence[CycleOutcome]) -> SubmitOutcomes:
    """The cycles' submits as the exchange answered them. A cycle's `submitted` counter counts
    the accepted submits only (the executor's report); `exchange_rejected` the rejected ones."""
    return SubmitOutcomes(
        accepted=sum(c.count("submitted") for c in cycles),
        rejected=sum(c.count("exchange_rejected") for c in cycles),
    )


def consecutive_critical_errors(recent: Sequence[CycleOutcome]) -> int:
    """Cycles, newest first, in a row that failed or whose executor hit an unexpected error.
    A cycle that never completed (`running`: the process died in it) neither counts nor breaks
    the run."""
    count = 0
    for cycle in recent:
        if cycle.status is CycleStatus.FAILED or cycle.count("errors") > 0:
            count += 1
        elif cycle.status is not CycleStatus.RUNNING:
            break
    return count
