from __future__ import annotations

from dataclasses import replace
from decimal import Decimal as D

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.domain.risk import RiskMode
from bot.risk.reject_rate import SubmitOutcomes
from bot.risk.risk_budget import (
    BudgetInputs,
    BudgetOutcome,
    BudgetPolicy,
    BudgetState,
    Threshold,
    step_budget,
)

NORMAL, REDUCE, OBSERVE = RiskMode.NORMAL, RiskMode.REDUCE, RiskMode.OBSERVE
T0 = 1_700_000_000_000
COOLDOWN_MS = 60_000


def threshold(reduce_at: str, observe_at: str) -> Threshold:
    return Threshold(reduce_at=D(reduce_at), observe_at=D(observe_at))


POLICY = BudgetPolicy(
    drawdown=threshold("0.10", "0.20"),
    daily_loss=threshold("0.03", "0.05"),
    fee_burn=threshold("0.01", "0.02"),
    data_age_ms=threshold("10000", "30000"),
    reject_rate=threshold("0.2", "0.5"),
    loss_streak=threshold("4", "8"),
    reject_rate_min_submits=10,
    volatility_halving_bps=D("80"),
    volatility_observe_bps=D("300"),
    recovery_cooldown_ms=COOLDOWN_MS,
    recovery_healthy_cycles=3,
    reduce_size_multiplier=D("0.5"),
)
CALM = BudgetInputs(
    drawdown_ratio=D("0.01"),
    daily_loss_ratio=D("0"),
    fee_burn_ratio=D("0.001"),
    market_data_age_ms=500,
    exchange_degraded=False,
    volatility_bps=D("20"),
    submits=SubmitOutcomes(accepted=0, rejected=0),
    loss_streak=0,
)
WORSE = replace(CALM, drawdown_ratio=D("0.12"))
WORST = replace(CALM, drawdown_ratio=D("0.25"))


def run(state: BudgetState, inputs: BudgetInputs, now_ms: int) -> BudgetOutcome:
    return step_budget(state, inputs, POLICY, now_ms)


def in_mode(mode: RiskMode, since_ms: int = T0, healthy: int = 0) -> BudgetState:
    return BudgetState(mode=mode, since_ms=since_ms, healthy_cycles=healthy)


def test_calm_inputs_stay_normal_at_full_size():
    out = run(BudgetState.initial(T0), CALM, T0 + 1)
    assert (out.state.mode, out.target_mode, out.transition, out.causes) == (NORMAL, NORMAL, None, ())
    assert out.size_multiplier == 1


def test_worsening_inputs_move_normal_to_reduce_to_observe_immediately():
    first = run(BudgetState.initial(T0), WORSE, T0 + 1)
    assert first.state == in_mode(REDUCE, T0 + 1)
    assert first.transition is not None
    assert (first.transition.from_mode, first.transition.to_mode) == (NORMAL, REDUCE)
    assert first.transition.causes == ("drawdown_ratio=0.12>=0.10",)
    assert first.size_multiplier == D("0.5")

    second = run(first.state, WORST, T0 + 2)
    assert second.state == in_mode(OBSERVE, T0 + 2)
    assert second.transition is not None
    assert (second.transition.from_mode, second.transition.to_mode) == (REDUCE, OBSERVE)
    assert second.transition.causes == ("drawdown_ratio=0.25>=0.20",)
    assert second.size_multiplier == 0


def test_normal_jumps_straight_to_observe():
    out = run(BudgetState.initial(T0), WORST, T0 + 1)
    assert out.state.mode is OBSERVE
    assert out.transition is not None and out.transition.from_mode is NORMAL


@pytest.mark.parametrize(
    ("change", "mode", "cause"),
    [
        ({"drawdown_ratio": D("0.2")}, OBSERVE, "drawdown_ratio=0.2>=0.20"),
        ({"daily_loss_ratio": D("0.03")}, REDUCE, "daily_loss_ratio=0.03>=0.03"),
        ({"fee_burn_ratio": D("0.05")}, OBSERVE, "fee_burn_ratio=0.05>=0.02"),
        ({"market_data_age_ms": 12_000}, REDUCE, "market_data_age_ms=12000>=10000"),
        ({"submits": SubmitOutcomes(accepted=5, rejected=5)}, OBSERVE, "reject_rate=0.5>=0.5"),
        ({"loss_streak": 5}, REDUCE, "loss_streak=5>=4"),
        ({"exchange_degraded": True}, OBSERVE, "exchange_degraded"),
        ({"volatility_bps": D("300")}, OBSERVE, "volatility_bps=300>=300"),
    ],
)
def test_each_input_calls_for_its_mode(change, mode, cause):
    out = run(BudgetState.initial(T0), replace(CALM, **change), T0 + 1)
    assert out.target_mode is mode
    assert out.state.mode is mode
    assert out.causes == (cause,)
    assert out.transition is not None and out.transition.causes == (cause,)


def test_degraded_exchange_calls_for_the_configured_mode():
    policy = replace(POLICY, degraded_mode=REDUCE)
    out = step_budget(BudgetState.initial(T0), replace(CALM, exchange_degraded=True), policy, T0)
    assert out.state.mode is REDUCE


def test_target_is_the_strictest_and_every_breach_is_listed():
    rejecting = SubmitOutcomes(accepted=4, rejected=6)
    inputs = replace(CALM, daily_loss_ratio=D("0.04"), submits=rejecting, volatility_bps=D("100"))
    out = run(BudgetState.initial(T0), inputs, T0 + 1)
    assert out.target_mode is OBSERVE
    assert set(out.causes) == {"daily_loss_ratio=0.04>=0.03", "reject_rate=0.6>=0.5", "volatility_bps=100>80"}
    assert out.transition is not None and out.transition.causes == ("reject_rate=0.6>=0.5",)


def test_high_volatility_halves_size_without_changing_mode():
    volatile = replace(CALM, volatility_bps=D("81"))
    normal = run(BudgetState.initial(T0), volatile, T0)
    assert (normal.state.mode, normal.size_multiplier, normal.transition) == (NORMAL, D("0.5"), None)
    assert normal.causes == ("volatility_bps=81>80",)
    reduced = run(in_mode(REDUCE), replace(volatile, drawdown_ratio=D("0.1")), T0)
    assert reduced.size_multiplier == D("0.25")
    at_limit = run(BudgetState.initial(T0), replace(CALM, volatility_bps=D("80")), T0)
    assert at_limit.size_multiplier == 1


def test_recovery_needs_both_cooldown_and_healthy_cycles_and_goes_one_step_at_a_time():
    state = run(BudgetState.initial(T0), WORST, T0).state
    assert state.mode is OBSERVE
    # Healthy cycles inside the cooldown: counted, not acted on.
    for i in range(1, 6):
        out = run(state, CALM, T0 + i)
        assert out.transition is None and out.state.mode is OBSERVE
        assert out.target_mode is NORMAL
        state = out.state
    assert state.healthy_cycles == 5
    # Cooldown over and enough healthy cycles: one step only, to REDUCE.
    out = run(state, CALM, T0 + COOLDOWN_MS)
    assert out.state == in_mode(REDUCE, T0 + COOLDOWN_MS)
    assert out.transition is not None
    assert (out.transition.from_mode, out.transition.to_mode) == (OBSERVE, REDUCE)
    assert out.transition.causes == (f"recovered after 6 healthy cycles and {COOLDOWN_MS} ms in observe",)
    assert out.size_multiplier == D("0.5")
    # REDUCE -> NORMAL starts a fresh cooldown and a fresh count.
    state = out.state
    later = T0 + 2 * COOLDOWN_MS
    for now in (later - 2, later - 1):
        state = run(state, CALM, now).state
        assert state.mode is REDUCE
    out = run(state, CALM, later)
    assert out.state == in_mode(NORMAL, later)
    assert out.transition is not None and out.transition.to_mode is NORMAL
    assert out.size_multiplier == 1


def test_cooldown_alone_is_not_enough():
    state = in_mode(OBSERVE, T0)
    out = run(state, CALM, T0 + 10 * COOLDOWN_MS)
    assert out.state == in_mode(OBSERVE, T0, healthy=1)
    out = run(out.state, CALM, T0 + 10 * COOLDOWN_MS + 1)
    assert out.state.healthy_cycles == 2 and out.transition is None
    out = run(out.state, CALM, T0 + 10 * COOLDOWN_MS + 2)
    assert out.state.mode is REDUCE


def test_a_relapse_during_recovery_resets_the_counter():
    state = in_mode(OBSERVE, T0, healthy=2)
    # A cycle whose target equals the current mode is not healthy.
    relapse = run(state, WORST, T0 + COOLDOWN_MS)
    assert relapse.state == in_mode(OBSERVE, T0, healthy=0)
    assert relapse.transition is None
    out = run(relapse.state, CALM, T0 + COOLDOWN_MS + 1)
    assert out.state.mode is OBSERVE and out.state.healthy_cycles == 1


def test_a_relapse_to_a_stricter_mode_restarts_the_cooldown():
    state = in_mode(REDUCE, T0, healthy=2)
    out = run(state, WORST, T0 + COOLDOWN_MS)
    assert out.state == in_mode(OBSERVE, T0 + COOLDOWN_MS)


def test_a_target_between_current_and_normal_counts_as_healthy():
    state = in_mode(OBSERVE, T0, healthy=2)
    out = run(state, WORSE, T0 + COOLDOWN_MS)
    assert out.state == in_mode(REDUCE, T0 + COOLDOWN_MS)
    out = run(out.state, WORSE, T0 + 5 * COOLDOWN_MS)
    assert out.state == in_mode(REDUCE, T0 + COOLDOWN_MS, healthy=0)


def test_state_round_trips_through_json():
    state = BudgetState(mode=REDUCE, since_ms=T0, healthy_cycles=2)
    data = state.to_json()
    assert data == {"mode": "reduce", "since_ms": T0, "healthy_cycles": 2}
    assert BudgetState.from_json(data) == state


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("mode", "panic"),
        ("since_ms", "1"),
        ("since_ms", True),
        ("healthy_cycles", -1),
        ("healthy_cycles", 1.0),
    ],
)
def test_from_json_names_the_bad_field(field, value):
    data = {**BudgetState.initial(T0).to_json(), field: value}
    with pytest.raises(ValueError, match=field):
        BudgetState.from_json(data)


def test_from_json_names_a_missing_field():
    with pytest.raises(ValueError, match="since_ms: missing"):
        BudgetState.from_json({"mode": "normal", "healthy_cycles": 0})


def test_policy_validation():
    with pytest.raises(ValueError, match="observe_at"):
        threshold("0.2", "0.1")
    with pytest.raises(ValueError, match="reduce_size_multiplier"):
        replace(POLICY, reduce_size_multiplier=D("0"))
    with pytest.raises(ValueError, match="volatility_halving_bps"):
        replace(POLICY, volatility_halving_bps=D("400"))
    with pytest.raises(ValueError, match="recovery_healthy_cycles"):
        replace(POLICY, recovery_healthy_cycles=0)
    with pytest.raises(ValueError, match="reject_rate_min_submits"):
        replace(POLICY, reject_rate_min_submits=0)


ratios = st.decimals(min_value=D("0"), max_value=D("1"), places=3)
inputs_strategy = st.builds(
    BudgetInputs,
    drawdown_ratio=ratios,
    daily_loss_ratio=ratios,
    fee_burn_ratio=ratios,
    market_data_age_ms=st.integers(0, 100_000),
    exchange_degraded=st.booleans(),
    volatility_bps=st.decimals(min_value=D("0"), max_value=D("1000"), places=1),
    submits=st.builds(SubmitOutcomes, accepted=st.integers(0, 30), rejected=st.integers(0, 30)),
    loss_streak=st.integers(0, 20),
)
states = st.builds(
    BudgetState,
    mode=st.sampled_from(list(RiskMode)),
    since_ms=st.integers(T0 - 10 * COOLDOWN_MS, T0),
    healthy_cycles=st.integers(0, 5),
)


@settings(max_examples=300, deadline=None)
@given(state=states, inputs=inputs_strategy, reduce_multiplier=st.sampled_from([D("0.5"), D("0.01"), D(1)]))
def test_multiplier_agrees_with_mode(state, inputs, reduce_multiplier):
    policy = replace(POLICY, reduce_size_multiplier=reduce_multiplier)
    out = step_budget(state, inputs, policy, T0)
    mode = out.state.mode
    if mode is OBSERVE:
        assert out.size_multiplier == 0
    else:
        assert 0 < out.size_multiplier <= 1
    if mode is NORMAL:
        assert out.size_multiplier in (1, D("0.5"))
    # Never looser than the inputs call for, and never more than one step looser than before.
    assert mode.strictness >= out.target_mode.strictness
    assert mode.strictness >= state.mode.strictness - 1
    if out.transition is not None:
        assert out.transition.causes
        assert (out.transition.from_mode, out.transition.to_mode) == (state.mode, mode)
    else:
        assert mode is state.mode
    assert bool(out.causes) or out.target_mode is NORMAL


@settings(max_examples=100, deadline=None)
@given(sequence=st.lists(st.tuples(inputs_strategy, st.integers(0, COOLDOWN_MS)), max_size=30))
def test_loosening_respects_cooldown_and_healthy_cycles_over_any_sequence(sequence):
    state, now = BudgetState.initial(T0), T0
    for inputs, step_ms in sequence:
        now += step_ms
        out = step_budget(state, inputs, POLICY, now)
        if out.transition is not None and out.transition.to_mode.strictness < state.mode.strictness:
            assert now - state.since_ms >= POLICY.recovery_cooldown_ms
            assert state.healthy_cycles + 1 >= POLICY.recovery_healthy_cycles
            assert out.transition.to_mode is state.mode.looser_by_one()
        state = out.state
