"""Anomaly detection: a degrade level (a RiskMode) from a window of recent cycle observations.

Each detector calls for NORMAL, REDUCE or OBSERVE; the level rises at once to the strictest, and
steps down one level at a time after enough consecutive cycles that call for less. The window is
part of the persisted state, so a restart neither forgets nor double-counts recent trouble. The
caller applies the stricter of this level and the risk-budget mode.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal

from bot.domain.json_fields import decimal_field, enum_field, int_field, object_list_field
from bot.domain.money import canonical
from bot.domain.risk import RiskMode
from bot.risk.reject_rate import NO_SUBMITS, SubmitOutcomes, reject_rate
from bot.risk.risk_budget import ModeTransition, strictest

_INT_FIELDS = ("data_age_ms", "cycle_latency_ms", "accepted", "rejects", "clock_skew_ms")
# Windows recorded before the reject rate counted rejected submits as submitted stored the
# accepted ones as "submits".
_LEGACY_ACCEPTED = "submits"


@dataclass(frozen=True, slots=True, kw_only=True)
class Observation:
    """What one cycle measured."""

    data_age_ms: int  # oldest market data among traded symbols
    cycle_latency_ms: int
    accepted: int  # submits the exchange accepted
    rejects: int  # submits the exchange rejected
    equity_divergence_ratio: Decimal  # |ledger equity - exchange equity| / ledger equity
    clock_skew_ms: int  # |exchange clock offset|

    def __post_init__(self) -> None:
        for name in ("cycle_latency_ms", "accepted", "rejects", "clock_skew_ms"):
            if getattr(self, name) < 0:
                raise ValueError(f"{name}: must be >= 0, got {getattr(self, name)}")
        if self.equity_divergence_ratio < 0:
            raise ValueError(f"equity_divergence_ratio: must be >= 0, got {self.equity_divergence_ratio}")

    def to_json(self) -> dict[str, object]:
        data: dict[str, object] = {name: getattr(self, name) for name in _INT_FIELDS}
        data["equity_divergence_ratio"] = canonical(self.equity_divergence_ratio)
        return data

    @property
    def submits(self) -> SubmitOutcomes:
        return SubmitOutcomes(accepted=self.accepted, rejected=self.rejects)

    @classmethod
    def from_json(cls, data: Mapping[str, object]) -> Observation:
        if "accepted" not in data and _LEGACY_ACCEPTED in data:
            data = {**data, "accepted": data[_LEGACY_ACCEPTED]}
        ints = {name: int_field(data, name) for name in _INT_FIELDS}
        return cls(equity_divergence_ratio=decimal_field(data, "equity_divergence_ratio"), **ints)


@dataclass(frozen=True, slots=True, kw_only=True)
class AnomalyPolicy:
    window_cycles: int  # observations kept
    stale_data_ms: int  # data older than this makes a cycle stale
    stale_cycles_to_reduce: int  # stale cycles within the window
    stale_cycles_to_observe: int
    latency_spike_ms: int  # a cycle slower than this is a spike
    latency_spikes_to_reduce: int  # spikes within the window
    reject_ratio_to_reduce: Decimal  # rejected / submitted (accepted + rejected) over the window
    reject_ratio_to_observe: Decimal
    min_submits_for_ratio: int  # fewer submits (accepted + rejected) in the window: no ratio
    divergence_ratio_to_reduce: Decimal  # latest cycle's equity divergence
    divergence_ratio_to_observe: Decimal
    clock_skew_ms_to_reduce: int  # latest cycle's clock skew
    clock_skew_ms_to_observe: int
    healthy_cycles_to_step_down: int

    def __post_init__(self) -> None:
        positive = ("window_cycles", "min_submits_for_ratio", "healthy_cycles_to_step_down")
        for name in positive:
            if getattr(self, name) < 1:
                raise ValueError(f"{name}: must be >= 1, got {getattr(self, name)}")
        for name in ("stale_cycles_to_reduce", "stale_cycles_to_observe", "latency_spikes_to_reduce"):
            if not 1 <= getattr(self, name) <= self.window_cycles:
                raise ValueError(f"{name}: must be in 1..window_cycles ({self.window_cycles})")
        ordered = (
            ("stale_cycles_to_observe", self.stale_cycles_to_reduce, self.stale_cycles_to_observe),
            ("reject_ratio_to_observe", self.reject_ratio_to_reduce, self.reject_ratio_to_observe),
            (
                "divergence_ratio_to_observe",
                self.divergence_ratio_to_reduce,
                self.divergence_ratio_to_observe,
            ),
            ("clock_skew_ms_to_observe", self.clock_skew_ms_to_reduce, self.clock_skew_ms_to_observe),
        )
        for name, reduce_at, observe_at in ordered:
            if observe_at < reduce_at:
                raise ValueError(f"{name}: {observe_at} must be >= the reduce level {reduce_at}")


@dataclass(frozen=True, slots=True, kw_only=True)
class AnomalyState:
    """Persisted between cycles."""

    window: tuple[Observation, ...]  # oldest first
    level: RiskMode
    healthy_cycles: int  # consecutive cycles whose detected level was below `level`

    def __post_init__(self) -> None:
        if self.healthy_cycles < 0:
            raise ValueError(f"healthy_cycles: must be >= 0, got {self.healthy_cycles}")

    @classmethod
    def initial(cls) -> AnomalyState:
        return cls(window=(), level=RiskMode.NORMAL, healthy_cycles=0)

    def to_json(self) -> dict[str, object]:
        return {
            "window": [observation.to_json() for observation in self.window],
            "level": self.level.value,
            "healthy_cycles": self.healthy_cycles,
        }

    @classmethod
    def from_json(cls, data: Mapping[str, object]) -> AnomalyState:
        """Raises ValueError naming the bad field (`window[3].rejects: ...` inside the window)."""
        return cls(
            window=object_list_field(data, "window", Observation.from_json),
            level=enum_field(data, "level", RiskMode),
            healthy_cycles=int_field(data, "healthy_cycles"),
        )


@dataclass(frozen=True, slots=True, kw_only=True)
class AnomalyOutcome:
    state: AnomalyState
    level: RiskMode  # the degrade level after this cycle (state.level)
    causes: tuple[str, ...]  # every detector firing this cycle
    changed: ModeTransition | None


def step_anomaly(
    state: AnomalyState, observation: Observation, policy: AnomalyPolicy, now_ms: int
) -> AnomalyOutcome:
    """Add one cycle's observation and move the level."""
    window = (*state.window, observation)[-policy.window_cycles :]
    found = _detect(window, policy)
    detected = strictest(mode for mode, _ in found)
    level, healthy, changed = state.level, 0, None
    if detected.strictness > level.strictness:
        why = tuple(cause for mode, cause in found if mode is detected)
        changed = ModeTransition(from_mode=level, to_mode=detected, at_ms=now_ms, causes=why)
        level = detected
    elif detected.strictness < level.strictness:
        healthy = state.healthy_cycles + 1
        if healthy >= policy.healthy_cycles_to_step_down:
            why = (f"recovered after {healthy} healthy cycles",)
            changed = ModeTransition(from_mode=level, to_mode=level.looser_by_one(), at_ms=now_ms, causes=why)
            level, healthy = level.looser_by_one(), 0
    new_state = AnomalyState(window=window, level=level, healthy_cycles=healthy)
    return AnomalyOutcome(
        state=new_state, level=level, causes=tuple(cause for _, cause in found), changed=changed
    )


def _detect(window: tuple[Observation, ...], policy: AnomalyPolicy) -> list[tuple[RiskMode, str]]:
    latest = window[-1]
    stale = sum(1 for o in window if o.data_age_ms > policy.stale_data_ms)
    spikes = sum(1 for o in window if o.cycle_latency_ms > policy.latency_spike_ms)
    submits = sum((o.submits for o in window), NO_SUBMITS)
    p = policy
    grades = [
        _grade(
            f"stale_cycles(data_age_ms>{p.stale_data_ms})",
            stale,
            p.stale_cycles_to_reduce,
            p.stale_cycles_to_observe,
        ),
        _grade(f"latency_spikes(cycle_latency_ms>{p.latency_spike_ms})", spikes, p.latency_spikes_to_reduce),
        _grade(
            "equity_divergence_ratio",
            latest.equity_divergence_ratio,
            p.divergence_ratio_to_reduce,
            p.divergence_ratio_to_observe,
        ),
        _grade("clock_skew_ms", latest.clock_skew_ms, p.clock_skew_ms_to_reduce, p.clock_skew_ms_to_observe),
    ]
    ratio = reject_rate(submits, min_submits=p.min_submits_for_ratio)
    if ratio is not None:
        grades.append(_grade("reject_ratio", ratio, p.reject_ratio_to_reduce, p.reject_ratio_to_observe))
    return [grade for grade in grades if grade is not None]


def _grade(
    name: str, value: Decimal | int, reduce_at: Decimal | int, observe_at: Decimal | int | None = None
) -> tuple[RiskMode, str] | None:
    if observe_at is not None and value >= observe_at:
        return RiskMode.OBSERVE, f"{name}={value}>={observe_at}"
    if value >= reduce_at:
        return RiskMode.REDUCE, f"{name}={value}>={reduce_at}"
    return None
