"""The reject rate is rejected / submitted (accepted + rejected), and says nothing below a minimum
count of submits: in the rate itself, the risk budget and the anomaly monitor."""

from __future__ import annotations

from dataclasses import replace
from decimal import Decimal as D
from fractions import Fraction

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.domain.risk import RiskMode
from bot.risk.anomaly import AnomalyPolicy, AnomalyState, Observation, step_anomaly
from bot.risk.reject_rate import SubmitOutcomes, reject_rate
from bot.risk.risk_budget import BudgetInputs, BudgetPolicy, BudgetState, Threshold, step_budget

T0 = 1_700_000_000_000
NEVER = Threshold(reduce_at=D(10**9), observe_at=D(10**9))  # only the reject rate can trip
BUDGET = BudgetPolicy(
    drawdown=NEVER,
    daily_loss=NEVER,
    fee_burn=NEVER,
    data_age_ms=NEVER,
    reject_rate=Threshold(reduce_at=D("0.3"), observe_at=D("0.6")),
    loss_streak=NEVER,
    reject_rate_min_submits=10,
    volatility_halving_bps=D(10**9),
    volatility_observe_bps=D(10**9),
    recovery_cooldown_ms=0,
    recovery_healthy_cycles=1,
)
CALM = BudgetInputs(
    drawdown_ratio=D(0),
    daily_loss_ratio=D(0),
    fee_burn_ratio=D(0),
    market_data_age_ms=0,
    exchange_degraded=False,
    volatility_bps=D(0),
    submits=SubmitOutcomes(accepted=0, rejected=0),
    loss_streak=0,
)
ANOMALY = AnomalyPolicy(
    window_cycles=5,
    stale_data_ms=10**9,
    stale_cycles_to_reduce=5,
    stale_cycles_to_observe=5,
    latency_spike_ms=10**9,
    latency_spikes_to_reduce=5,
    reject_ratio_to_reduce=D("0.3"),
    reject_ratio_to_observe=D("0.6"),
    min_submits_for_ratio=5,
    divergence_ratio_to_reduce=D(10**9),
    divergence_ratio_to_observe=D(10**9),
    clock_skew_ms_to_reduce=10**9,
    clock_skew_ms_to_observe=10**9,
    healthy_cycles_to_step_down=1,
)
QUIET_CYCLE = Observation(
    data_age_ms=0, cycle_latency_ms=0, accepted=0, rejects=0, equity_divergence_ratio=D(0), clock_skew_ms=0
)
ACCEPTED, REJECTED = "accepted", "rejected"
outcome_sequences = st.lists(st.sampled_from([ACCEPTED, REJECTED]), max_size=60)
min_counts = st.integers(1, 30)


def counted(sequence: list[str]) -> SubmitOutcomes:
    return SubmitOutcomes(accepted=sequence.count(ACCEPTED), rejected=sequence.count(REJECTED))


def test_one_accepted_and_one_rejected_is_half_not_everything():
    assert reject_rate(SubmitOutcomes(accepted=1, rejected=1), min_submits=1) == D("0.5")


def test_all_rejected_is_everything_not_nothing():
    assert reject_rate(SubmitOutcomes(accepted=0, rejected=7), min_submits=1) == 1


def test_too_few_submits_have_no_rate():
    assert reject_rate(SubmitOutcomes(accepted=1, rejected=1), min_submits=3) is None
    with pytest.raises(ValueError, match="min_submits"):
        reject_rate(SubmitOutcomes(accepted=1, rejected=1), min_submits=0)
    with pytest.raises(ValueError, match="rejected"):
        SubmitOutcomes(accepted=1, rejected=-1)


@settings(max_examples=300, deadline=None)
@given(sequence=outcome_sequences, min_submits=min_counts)
def test_the_rate_is_rejected_over_submitted_in_0_1_and_absent_below_the_minimum(sequence, min_submits):
    outcomes = counted(sequence)
    rate = reject_rate(outcomes, min_submits=min_submits)
    if len(sequence) < min_submits:
        assert rate is None
        return
    assert rate is not None and 0 <= rate <= 1
    assert abs(Fraction(rate) - Fraction(sequence.count(REJECTED), len(sequence))) < Fraction(1, 10**25)


@settings(max_examples=300, deadline=None)
@given(sequence=outcome_sequences, min_submits=min_counts)
def test_the_risk_budget_trips_on_the_rate_only_from_the_minimum_on(sequence, min_submits):
    policy = replace(BUDGET, reject_rate_min_submits=min_submits)
    out = step_budget(BudgetState.initial(T0), replace(CALM, submits=counted(sequence)), policy, T0 + 1)
    tripped = any(cause.startswith("reject_rate=") for cause in out.causes)
    if len(sequence) < min_submits:
        assert not tripped and out.state.mode is RiskMode.NORMAL
    elif sequence.count(ACCEPTED) == 0:  # all rejected, at or above the minimum
        assert tripped and out.state.mode is RiskMode.OBSERVE
        assert out.causes == (f"reject_rate=1>={policy.reject_rate.observe_at}",)
    else:
        rate = Fraction(sequence.count(REJECTED), len(sequence))
        assert tripped == (rate >= policy.reject_rate.reduce_at)


@settings(max_examples=200, deadline=None)
@given(cycles=st.lists(outcome_sequences, min_size=1, max_size=8), min_submits=min_counts)
def test_the_anomaly_monitor_trips_on_the_window_rate_only_from_the_minimum_on(cycles, min_submits):
    policy = replace(ANOMALY, min_submits_for_ratio=min_submits)
    state = AnomalyState.initial()
    for i, sequence in enumerate(cycles):
        observation = replace(
            QUIET_CYCLE, accepted=sequence.count(ACCEPTED), rejects=sequence.count(REJECTED)
        )
        out = step_anomaly(state, observation, policy, T0 + i)
        state = out.state
    window = state.window
    submitted = sum(o.accepted + o.rejects for o in window)
    rejected = sum(o.rejects for o in window)
    tripped = [c for c in out.causes if c.startswith("reject_ratio=")]
    if submitted < min_submits:
        assert not tripped
    elif rejected == submitted:
        assert tripped == [f"reject_ratio=1>={policy.reject_ratio_to_observe}"]
    else:
        assert bool(tripped) == (Fraction(rejected, submitted) >= policy.reject_ratio_to_reduce)


def test_an_observation_counts_accepted_and_rejected_as_submitted():
    observation = replace(QUIET_CYCLE, accepted=3, rejects=2)
    assert observation.submits == SubmitOutcomes(accepted=3, rejected=2)
    assert observation.submits.submitted == 5
