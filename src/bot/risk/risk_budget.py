"""Stage 7 risk budget: the mode (NORMAL, REDUCE, OBSERVE) the inputs call for, with hysteresis.

A worse input moves to a stricter mode at once. Recovery goes one step at a time, and only after the
mode has been held for a cooldown and the inputs have called for a looser mode for a number of
consecutive cycles, so a flapping input cannot flap the mode. Pure: the caller computes the inputs
and passes the time.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from decimal import Decimal

from bot.domain.json_fields import enum_field, int_field
from bot.domain.money import ZERO
from bot.domain.risk import RiskMode
from bot.risk.reject_rate import SubmitOutcomes, reject_rate

_HALF = Decimal("0.5")


@dataclass(frozen=True, slots=True, kw_only=True)
class BudgetInputs:
    """Computed by the caller each cycle."""

    drawdown_ratio: Decimal  # from peak equity, 0..1
    daily_loss_ratio: Decimal  # today's loss / day-start equity, >= 0
    fee_burn_ratio: Decimal  # fees paid since the accounting day began / equity at its start
    market_data_age_ms: int  # the oldest among traded symbols
    exchange_degraded: bool
    volatility_bps: Decimal
    submits: SubmitOutcomes  # accepted and rejected by the exchange over the recent window
    loss_streak: int  # consecutive losing round trips


@dataclass(frozen=True, slots=True, kw_only=True)
class Threshold:
    """value >= reduce_at calls for at least REDUCE; value >= observe_at calls for OBSERVE."""

    reduce_at: Decimal
    observe_at: Decimal

    def __post_init__(self) -> None:
        if self.observe_at < self.reduce_at:
            raise ValueError(f"observe_at: {self.observe_at} must be >= reduce_at {self.reduce_at}")

    def breach(self, name: str, value: Decimal | int) -> tuple[RiskMode, str] | None:
        """The mode `value` calls for and why, or None when it is below both levels."""
        for mode, limit in ((RiskMode.OBSERVE, self.observe_at), (RiskMode.REDUCE, self.reduce_at)):
            if value >= limit:
                return mode, f"{name}={value}>={limit}"
        return None


@dataclass(frozen=True, slots=True, kw_only=True)
class BudgetPolicy:
    drawdown: Threshold
    daily_loss: Threshold
    fee_burn: Threshold
    data_age_ms: Threshold
    reject_rate: Threshold  # rejected / submitted (`bot.risk.reject_rate`)
    loss_streak: Threshold
    reject_rate_min_submits: int  # fewer submits in the window: no rate, nothing trips on it
    degraded_mode: RiskMode = RiskMode.OBSERVE  # what an exchange marked degraded calls for
    volatility_halving_bps: Decimal  # volatility above this halves the size multiplier
    volatility_observe_bps: Decimal  # volatility at or above this calls for OBSERVE
    recovery_cooldown_ms: int  # least time in a mode before loosening it
    recovery_healthy_cycles: int  # consecutive cycles calling for a looser mode before loosening
    reduce_size_multiplier: Decimal = Decimal("0.5")

    def __post_init__(self) -> None:
        if not ZERO <= self.volatility_halving_bps <= self.volatility_observe_bps:
            raise ValueError("volatility_halving_bps: must be in 0..volatility_observe_bps")
        if self.reject_rate_min_submits < 1:
            raise ValueError(f"reject_rate_min_submits: must be >= 1, got {self.reject_rate_min_submits}")
        if self.recovery_cooldown_ms < 0:
            raise ValueError(f"recovery_cooldown_ms: must be >= 0, got {self.recovery_cooldown_ms}")
        if self.recovery_healthy_cycles < 1:
            raise ValueError(f"recovery_healthy_cycles: must be >= 1, got {self.recovery_healthy_cycles}")
        if not ZERO < self.reduce_size_multiplier <= 1:
            raise ValueError(f"reduce_size_multiplier: must be in (0, 1], got {self.reduce_size_multiplier}")


@dataclass(frozen=True, slots=True, kw_only=True)
class BudgetState:
    """Persisted between cycles."""

    mode: RiskMode
    since_ms: int  # when the current mode was entered
    healthy_cycles: int  # consecutive cycles whose target was looser than `mode`

    def __post_init__(self) -> None:
        if self.healthy_cycles < 0:
            raise ValueError(f"healthy_cycles: must be >= 0, got {self.healthy_cycles}")

    @classmethod
    def initial(cls, now_ms: int) -> BudgetState:
        return cls(mode=RiskMode.NORMAL, since_ms=now_ms, healthy_cycles=0)

    def to_json(self) -> dict[str, object]:
        return {"mode": self.mode.value, "since_ms": self.since_ms, "healthy_cycles": self.healthy_cycles}

    @classmethod
    def from_json(cls, data: Mapping[str, object]) -> BudgetState:
        """Raises ValueError (StateFieldError for a missing or malformed field) naming the field."""
        return cls(
            mode=enum_field(data, "mode", RiskMode),
            since_ms=int_field(data, "since_ms"),
            healthy_cycles=int_field(data, "healthy_cycles"),
        )


@dataclass(frozen=True, slots=True, kw_only=True)
class ModeTransition:
    from_mode: RiskMode
    to_mode: RiskMode
    at_ms: int
    causes: tuple[str, ...]  # never empty


@dataclass(frozen=True, slots=True, kw_only=True)
class BudgetOutcome:
    state: BudgetState
    transition: ModeTransition | None
    target_mode: RiskMode  # what this cycle's inputs alone call for
    causes: tuple[str, ...]  # every input that currently breaches a threshold
    size_multiplier: Decimal  # OBSERVE: 0; REDUCE and NORMAL: > 0 and <= 1


def step_budget(state: BudgetState, inputs: BudgetInputs, policy: BudgetPolicy, now_ms: int) -> BudgetOutcome:
    """Advance the budget by one cycle."""
    breaches = _breaches(inputs, policy)
    target = strictest(mode for mode, _ in breaches)
    transition: ModeTransition | None = None
    if target.strictness > state.mode.strictness:
        why = tuple(cause for mode, cause in breaches if mode is target)
        transition = ModeTransition(from_mode=state.mode, to_mode=target, at_ms=now_ms, causes=why)
        state = BudgetState(mode=target, since_ms=now_ms, healthy_cycles=0)
    elif target.strictness < state.mode.strictness:
        healthy = state.healthy_cycles + 1
        held_ms = now_ms - state.since_ms
        if held_ms >= policy.recovery_cooldown_ms and healthy >= policy.recovery_healthy_cycles:
            looser = state.mode.looser_by_one()
            why = (f"recovered after {healthy} healthy cycles and {held_ms} ms in {state.mode.value}",)
            transition = ModeTransition(from_mode=state.mode, to_mode=looser, at_ms=now_ms, causes=why)
            state = BudgetState(mode=looser, since_ms=now_ms, healthy_cycles=0)
        else:
            state = BudgetState(mode=state.mode, since_ms=state.since_ms, healthy_cycles=healthy)
    else:
        state = BudgetState(mode=state.mode, since_ms=state.since_ms, healthy_cycles=0)
    return BudgetOutcome(
        state=state,
        transition=transition,
        target_mode=target,
        causes=tuple(cause for _, cause in breaches),
        size_multiplier=_size_multiplier(state.mode, inputs, policy),
    )


def strictest(modes: Iterable[RiskMode]) -> RiskMode:
    """The strictest of `modes`; NORMAL when there are none."""
    result = RiskMode.NORMAL
    for mode in modes:
        result = result.stricter(mode)
    return result


def _breaches(inputs: BudgetInputs, policy: BudgetPolicy) -> list[tuple[RiskMode, str]]:
    rate = reject_rate(inputs.submits, min_submits=policy.reject_rate_min_submits)
    rated = () if rate is None else (("reject_rate", rate, policy.reject_rate),)
    checks: tuple[tuple[str, Decimal | int, Threshold], ...] = (
        ("drawdown_ratio", inputs.drawdown_ratio, policy.drawdown),
        ("daily_loss_ratio", inputs.daily_loss_ratio, policy.daily_loss),
        ("fee_burn_ratio", inputs.fee_burn_ratio, policy.fee_burn),
        ("market_data_age_ms", inputs.market_data_age_ms, policy.data_age_ms),
        *rated,
        ("loss_streak", inputs.loss_streak, policy.loss_streak),
    )
    found = [b for name, value, threshold in checks if (b := threshold.breach(name, value)) is not None]
    if inputs.exchange_degraded:
        found.append((policy.degraded_mode, "exchange_degraded"))
    volatility = inputs.volatility_bps
    if volatility >= policy.volatility_observe_bps:
        found.append((RiskMode.OBSERVE, f"volatility_bps={volatility}>={policy.volatility_observe_bps}"))
    elif volatility > policy.volatility_halving_bps:
        # Halves the size without changing the mode; listed so the smaller size is explained.
        found.append((RiskMode.NORMAL, f"volatility_bps={volatility}>{policy.volatility_halving_bps}"))
    return found


def _size_multiplier(mode: RiskMode, inputs: BudgetInputs, policy: BudgetPolicy) -> Decimal:
    if mode is RiskMode.OBSERVE:
        return ZERO
    multiplier = policy.reduce_size_multiplier if mode is RiskMode.REDUCE else Decimal(1)
    if inputs.volatility_bps > policy.volatility_halving_bps:
        multiplier *= _HALF
    return multiplier
