from __future__ import annotations

from dataclasses import replace
from decimal import Decimal as D

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.risk.capital import CapitalPolicy, CapitalState, checkpoint, scale, spendable_try

POLICY = CapitalPolicy(cash_reserve_try=D("1000"), treasury_ratio=D("0.25"))
SEED = CapitalState.seeded(D("10000"))


def test_seeded_state_trades_the_whole_seed():
    seeded = CapitalState.seeded(D("10000"))
    assert seeded == CapitalState(
        seed_try=D("10000"),
        trading_capital_try=D("10000"),
        treasury_try=D("0"),
        realized_checkpoint_try=D("0"),
        losses_try=D("0"),
        unabsorbed_losses_try=D("0"),
    )
    assert scale(seeded) == 1


def test_a_gain_is_split_between_trading_and_treasury():
    state = checkpoint(SEED, D("400"), POLICY)
    assert state.treasury_try == D("100")
    assert state.trading_capital_try == D("10300")
    assert state.realized_checkpoint_try == D("400")
    assert scale(state) == D("1.03")
    # Only the PnL since the last checkpoint counts: 400 -> 480 is a gain of 80.
    state = checkpoint(state, D("480"), POLICY)
    assert (state.treasury_try, state.trading_capital_try) == (D("120"), D("10360"))


def test_the_same_total_twice_changes_nothing():
    once = checkpoint(SEED, D("400"), POLICY)
    assert checkpoint(once, D("400"), POLICY) == once


def test_a_loss_comes_out_of_trading_capital_only():
    gained = checkpoint(SEED, D("400"), POLICY)
    lost = checkpoint(gained, D("100"), POLICY)
    assert lost.trading_capital_try == D("10000")
    assert lost.treasury_try == D("100")
    assert lost.losses_try == D("300")
    assert lost.unabsorbed_losses_try == 0


def test_a_loss_beyond_trading_capital_stops_at_zero_and_records_the_excess():
    small = CapitalState.seeded(D("500"))
    state = checkpoint(small, D("-800"), POLICY)
    assert state.trading_capital_try == 0
    assert state.losses_try == D("800")
    assert state.unabsorbed_losses_try == D("300")
    assert scale(state) == 0
    # A later gain refills trading capital; the unabsorbed record stays.
    state = checkpoint(state, D("-400"), POLICY)
    assert (state.trading_capital_try, state.treasury_try) == (D("300"), D("100"))
    assert state.unabsorbed_losses_try == D("300")


def test_treasury_ratio_edges():
    all_kept = checkpoint(SEED, D("100"), replace(POLICY, treasury_ratio=D("0")))
    assert (all_kept.trading_capital_try, all_kept.treasury_try) == (D("10100"), D("0"))
    all_banked = checkpoint(SEED, D("100"), replace(POLICY, treasury_ratio=D("1")))
    assert (all_banked.trading_capital_try, all_banked.treasury_try) == (D("10000"), D("100"))


@pytest.mark.parametrize(
    ("free", "expected"),
    [
        ("50000", "10000"),  # capped by trading capital
        ("5000", "3900"),  # free - reserve - treasury
        ("1100", "0"),  # would dip into the treasury
        ("800", "0"),  # already below the reserve: never negative
    ],
)
def test_spendable_never_touches_reserve_or_treasury(free, expected):
    state = replace(SEED, treasury_try=D("100"))
    assert spendable_try(state, D(free), POLICY) == D(expected)


def test_state_round_trips_through_json():
    state = checkpoint(checkpoint(CapitalState.seeded(D("500")), D("-800"), POLICY), D("-0.10"), POLICY)
    data = state.to_json()
    assert data == {
        "seed_try": "500",
        "trading_capital_try": "599.925",
        "treasury_try": "199.975",
        "realized_checkpoint_try": "-0.1",
        "losses_try": "800",
        "unabsorbed_losses_try": "300",
    }
    assert CapitalState.from_json(data) == state


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("seed_try", "0"),
        ("trading_capital_try", "-1"),
        ("treasury_try", 1.5),
        ("realized_checkpoint_try", "abc"),
        ("losses_try", None),
        ("unabsorbed_losses_try", "900"),
    ],
)
def test_from_json_names_the_bad_field(field, value):
    data = {**CapitalState.seeded(D("500")).to_json(), "losses_try": "800", field: value}
    with pytest.raises(ValueError, match=field):
        CapitalState.from_json(data)


def test_from_json_names_a_missing_field():
    data = SEED.to_json()
    del data["treasury_try"]
    with pytest.raises(ValueError, match="treasury_try: missing"):
        CapitalState.from_json(data)


def test_policy_validation():
    with pytest.raises(ValueError, match="treasury_ratio"):
        CapitalPolicy(cash_reserve_try=D("0"), treasury_ratio=D("1.1"))
    with pytest.raises(ValueError, match="cash_reserve_try"):
        CapitalPolicy(cash_reserve_try=D("-1"), treasury_ratio=D("0"))


amounts = st.decimals(min_value=D("-5000"), max_value=D("5000"), places=2)


@settings(max_examples=300, deadline=None)
@given(
    seed=st.decimals(min_value=D("1"), max_value=D("100000"), places=2),
    ratio=st.decimals(min_value=D("0"), max_value=D("1"), places=4),
    deltas=st.lists(amounts, max_size=30),
)
def test_self_financing_conserves_money(seed, ratio, deltas):
    """trading + treasury - unabsorbed losses == seed + realised PnL, after every checkpoint.

    And every loss is recorded: losses == the sum of the negative steps.
    """
    policy = CapitalPolicy(cash_reserve_try=D("0"), treasury_ratio=ratio)
    state = CapitalState.seeded(seed)
    realized, losses = D("0"), D("0")
    for delta in deltas:
        realized += delta
        losses += max(-delta, D("0"))
        state = checkpoint(state, realized, policy)
        assert state.trading_capital_try + state.treasury_try - state.unabsorbed_losses_try == seed + realized
        assert state.losses_try == losses
        assert state.trading_capital_try >= 0 and state.treasury_try >= 0
        assert 0 <= state.unabsorbed_losses_try <= state.losses_try
        assert scale(state) >= 0
        assert spendable_try(state, seed, policy) >= 0
