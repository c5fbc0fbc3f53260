from __future__ import annotations

import json
from dataclasses import replace
from decimal import Decimal as D

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.domain.risk import RiskMode
from bot.risk.anomaly import AnomalyOutcome, AnomalyPolicy, AnomalyState, Observation, step_anomaly

NORMAL, REDUCE, OBSERVE = RiskMode.NORMAL, RiskMode.REDUCE, RiskMode.OBSERVE
T0 = 1_700_000_000_000

POLICY = AnomalyPolicy(
    window_cycles=5,
    stale_data_ms=10_000,
    stale_cycles_to_reduce=2,
    stale_cycles_to_observe=4,
    latency_spike_ms=2_000,
    latency_spikes_to_reduce=3,
    reject_ratio_to_reduce=D("0.2"),
    reject_ratio_to_observe=D("0.5"),
    min_submits_for_ratio=10,
    divergence_ratio_to_reduce=D("0.01"),
    divergence_ratio_to_observe=D("0.05"),
    clock_skew_ms_to_reduce=1_000,
    clock_skew_ms_to_observe=5_000,
    healthy_cycles_to_step_down=3,
)
OK = Observation(
    data_age_ms=300,
    cycle_latency_ms=200,
    accepted=2,
    rejects=0,
    equity_divergence_ratio=D("0"),
    clock_skew_ms=50,
)
STALE = replace(OK, data_age_ms=20_000)
SLOW = replace(OK, cycle_latency_ms=5_000)


def feed(state: AnomalyState, observations, start_ms: int = T0) -> list[AnomalyOutcome]:
    outcomes = []
    for i, observation in enumerate(observations):
        outcome = step_anomaly(state, observation, POLICY, start_ms + i)
        outcomes.append(outcome)
        state = outcome.state
    return outcomes


def test_healthy_cycles_stay_normal():
    outcomes = feed(AnomalyState.initial(), [OK] * 8)
    assert all(o.level is NORMAL and o.causes == () and o.changed is None for o in outcomes)
    assert len(outcomes[-1].state.window) == POLICY.window_cycles


def test_stale_data_raises_to_reduce_then_observe_within_the_window():
    outcomes = feed(AnomalyState.initial(), [STALE, OK, STALE, STALE, STALE])
    assert [o.level for o in outcomes] == [NORMAL, NORMAL, REDUCE, REDUCE, OBSERVE]
    raised = outcomes[2].changed
    assert raised is not None and (raised.from_mode, raised.to_mode) == (NORMAL, REDUCE)
    assert raised.causes == ("stale_cycles(data_age_ms>10000)=2>=2",)
    assert outcomes[4].changed is not None
    assert outcomes[4].changed.causes == ("stale_cycles(data_age_ms>10000)=4>=4",)


def test_latency_spikes_raise_to_reduce_only():
    outcomes = feed(AnomalyState.initial(), [SLOW] * 5)
    assert [o.level for o in outcomes] == [NORMAL, NORMAL, REDUCE, REDUCE, REDUCE]
    assert outcomes[2].causes == ("latency_spikes(cycle_latency_ms>2000)=3>=3",)


def test_reject_ratio_needs_enough_submits_over_the_window():
    rejecting = replace(OK, accepted=0, rejects=4)
    outcomes = feed(AnomalyState.initial(), [rejecting, rejecting, rejecting])
    # 4 and 8 submits are below min_submits_for_ratio; 12 submits, all rejected, is a ratio of 1.
    assert [o.level for o in outcomes] == [NORMAL, NORMAL, OBSERVE]
    assert outcomes[2].causes == ("reject_ratio=1>=0.5",)
    some = replace(OK, accepted=7, rejects=3)
    out = step_anomaly(AnomalyState.initial(), some, POLICY, T0)
    assert (out.level, out.causes) == (REDUCE, ("reject_ratio=0.3>=0.2",))


@pytest.mark.parametrize(
    ("change", "level", "cause"),
    [
        ({"equity_divergence_ratio": D("0.01")}, REDUCE, "equity_divergence_ratio=0.01>=0.01"),
        ({"equity_divergence_ratio": D("0.2")}, OBSERVE, "equity_divergence_ratio=0.2>=0.05"),
        ({"clock_skew_ms": 1_500}, REDUCE, "clock_skew_ms=1500>=1000"),
        ({"clock_skew_ms": 5_000}, OBSERVE, "clock_skew_ms=5000>=5000"),
    ],
)
def test_latest_cycle_detectors_raise_immediately(change, level, cause):
    out = step_anomaly(AnomalyState.initial(), replace(OK, **change), POLICY, T0)
    assert (out.level, out.causes) == (level, (cause,))
    assert out.changed is not None and out.changed.causes == (cause,) and out.changed.at_ms == T0


def test_level_steps_down_one_at_a_time_after_healthy_cycles():
    state = step_anomaly(AnomalyState.initial(), replace(OK, clock_skew_ms=9_000), POLICY, T0).state
    assert state.level is OBSERVE
    outcomes = feed(state, [OK] * 6, T0 + 1)
    assert [o.level for o in outcomes] == [OBSERVE, OBSERVE, REDUCE, REDUCE, REDUCE, NORMAL]
    down = outcomes[2].changed
    assert down is not None and (down.from_mode, down.to_mode) == (OBSERVE, REDUCE)
    assert down.causes == ("recovered after 3 healthy cycles",)
    assert outcomes[5].changed is not None and outcomes[5].changed.to_mode is NORMAL


def test_a_relapse_resets_the_step_down_count():
    state = step_anomaly(AnomalyState.initial(), replace(OK, clock_skew_ms=2_000), POLICY, T0).state
    skewed = replace(OK, clock_skew_ms=2_000)
    outcomes = feed(state, [OK, OK, skewed, OK, OK, OK], T0 + 1)
    assert [o.state.healthy_cycles for o in outcomes] == [1, 2, 0, 1, 2, 0]
    assert [o.level for o in outcomes] == [REDUCE] * 5 + [NORMAL]


def test_window_keeps_stale_cycles_until_they_age_out():
    outcomes = feed(AnomalyState.initial(), [STALE, STALE] + [OK] * 6)
    # Detected level stays REDUCE while two stale cycles remain among the last five.
    assert [o.causes != () for o in outcomes] == [False, True, True, True, True, False, False, False]
    assert [o.level for o in outcomes] == [NORMAL, REDUCE, REDUCE, REDUCE, REDUCE, REDUCE, REDUCE, NORMAL]


def test_state_round_trips_through_json_mid_stream_and_behaves_identically():
    stream = [STALE, SLOW, replace(OK, accepted=3, rejects=3), STALE, OK, SLOW, OK, OK, OK, OK, OK, OK]
    direct = AnomalyState.initial()
    restored = AnomalyState.initial()
    for i, observation in enumerate(stream):
        a = step_anomaly(direct, observation, POLICY, T0 + i)
        b = step_anomaly(restored, observation, POLICY, T0 + i)
        assert a == b
        direct = a.state
        restored = AnomalyState.from_json(json.loads(json.dumps(b.state.to_json())))
        assert restored == direct


def test_state_json_shape():
    state = AnomalyState(
        window=(replace(OK, equity_divergence_ratio=D("0.0100")),), level=REDUCE, healthy_cycles=1
    )
    data = state.to_json()
    assert data == {
        "window": [
            {
                "data_age_ms": 300,
                "cycle_latency_ms": 200,
                "accepted": 2,
                "rejects": 0,
                "clock_skew_ms": 50,
                "equity_divergence_ratio": "0.01",
            }
        ],
        "level": "reduce",
        "healthy_cycles": 1,
    }
    assert AnomalyState.from_json(data) == state


def test_a_window_recorded_before_rejects_counted_as_submits_reads_its_accepted_count():
    # Those windows stored the accepted submits as "submits".
    legacy = AnomalyState(window=(replace(OK, accepted=3, rejects=1),), level=NORMAL, healthy_cycles=0)
    data = legacy.to_json()
    data["window"][0]["submits"] = data["window"][0].pop("accepted")
    assert AnomalyState.from_json(data) == legacy


@pytest.mark.parametrize(
    ("mutate", "message"),
    [
        (lambda d: d.update(level="red"), "level"),
        (lambda d: d.update(healthy_cycles="1"), "healthy_cycles"),
        (lambda d: d.update(window="none"), "window"),
        (lambda d: d["window"][0].update(rejects=-1), r"window\[0\]\.rejects"),
        (
            lambda d: d["window"][0].update(equity_divergence_ratio=0.1),
            r"window\[0\]\.equity_divergence_ratio",
        ),
        (lambda d: d["window"][0].pop("data_age_ms"), r"window\[0\]\.data_age_ms: missing"),
        (lambda d: d["window"].append(7), r"window\[1\]"),
    ],
)
def test_from_json_names_the_bad_field(mutate, message):
    data = AnomalyState(window=(OK,), level=NORMAL, healthy_cycles=0).to_json()
    mutate(data)
    with pytest.raises(ValueError, match=message):
        AnomalyState.from_json(data)


def test_policy_validation():
    with pytest.raises(ValueError, match="stale_cycles_to_observe"):
        replace(POLICY, stale_cycles_to_observe=9)
    with pytest.raises(ValueError, match="reject_ratio_to_observe"):
        replace(POLICY, reject_ratio_to_observe=D("0.1"))
    with pytest.raises(ValueError, match="healthy_cycles_to_step_down"):
        replace(POLICY, healthy_cycles_to_step_down=0)


observations = st.builds(
    Observation,
    data_age_ms=st.integers(0, 30_000),
    cycle_latency_ms=st.integers(0, 6_000),
    accepted=st.integers(0, 5),
    rejects=st.integers(0, 5),
    equity_divergence_ratio=st.decimals(min_value=D("0"), max_value=D("0.1"), places=3),
    clock_skew_ms=st.integers(0, 6_000),
)


@settings(max_examples=100, deadline=None)
@given(stream=st.lists(observations, max_size=25))
def test_level_rises_at_once_and_falls_one_step_at_a_time(stream):
    state = AnomalyState.initial()
    for i, observation in enumerate(stream):
        out = step_anomaly(state, observation, POLICY, T0 + i)
        assert len(out.state.window) <= POLICY.window_cycles
        assert out.state.window[-1] == observation
        assert out.level is out.state.level
        if out.level.strictness < state.level.strictness:
            assert out.level is state.level.looser_by_one()
            assert state.healthy_cycles + 1 >= POLICY.healthy_cycles_to_step_down
        if out.causes == () and state.level is NORMAL:
            assert out.level is NORMAL
        assert (out.changed is None) == (out.level is state.level)
        state = out.state
