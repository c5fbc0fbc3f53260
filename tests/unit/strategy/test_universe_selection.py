from __future__ import annotations

import json
from dataclasses import replace
from decimal import Decimal as D

import pytest

from bot.strategy.universe import SymbolStats, UniverseParams, UniverseState, select_universe

NOW = 1_700_000_000_000
PARAMS = UniverseParams(
    quote_asset="TRY",
    size=2,
    min_volume_quote=D("1000000"),
    max_spread_bps=D("30"),
    min_depth_quote=D("50000"),
    probation_cycles=2,
    cooldown_ms=3_600_000,
    max_changes_per_cycle=4,
    fallback=("BTCTRY", "ETHTRY"),
)


def stat(symbol, volume="5000000", spread="10", depth="100000", quote="TRY", trading=True):
    return SymbolStats(
        symbol=symbol,
        quote=quote,
        trading=trading,
        volume_quote=D(volume),
        spread_bps=D(spread),
        depth_quote=D(depth),
    )


def stats(*entries):
    return {entry.symbol: entry for entry in entries}


def run(state, cycles, params=PARAMS, start=NOW, step_ms=60_000):
    """Apply a list of stats mappings, one per cycle; returns the final state and every change."""
    changes = []
    for index, cycle_stats in enumerate(cycles):
        state, change = select_universe(state, cycle_stats, params, start + index * step_ms)
        changes.append(change)
    return state, changes


def test_the_initial_universe_is_the_fallback_list():
    assert UniverseState.initial(PARAMS).members == ("BTCTRY", "ETHTRY")


def test_a_newcomer_is_admitted_only_after_its_probation():
    state = UniverseState(members=("BTCTRY",))
    market = stats(stat("BTCTRY", "9000000"), stat("AVAXTRY", "8000000"))

    state, change = select_universe(state, market, PARAMS, NOW)
    assert state.members == ("BTCTRY",)
    assert state.probation == {"AVAXTRY": 1}
    assert change.added == ()

    state, change = select_universe(state, market, PARAMS, NOW + 60_000)
    assert state.members == ("AVAXTRY", "BTCTRY")
    assert change.added == ("AVAXTRY",)
    assert "2 consecutive cycles" in change.reasons["AVAXTRY"]
    assert state.probation == {}


def test_probation_restarts_when_the_newcomer_drops_out_of_the_top():
    state = UniverseState(members=("BTCTRY",))
    in_top = stats(stat("BTCTRY"), stat("AVAXTRY"))
    out = stats(stat("BTCTRY"), stat("AVAXTRY", volume="10"))
    state, changes = run(state, [in_top, out, in_top])
    assert state.members == ("BTCTRY",)
    assert state.probation == {"AVAXTRY": 1}
    assert all(change.added == () for change in changes)


def test_a_member_that_stops_qualifying_is_removed_and_cools_down():
    state = UniverseState(members=("BTCTRY", "ETHTRY"))
    state, change = select_universe(state, stats(stat("BTCTRY"), stat("ETHTRY", spread="45")), PARAMS, NOW)
    assert change.removed == ("ETHTRY",)
    assert "spread 45.0 bps > 30 bps" in change.reasons["ETHTRY"]
    assert state.cooldown_until_ms == {"ETHTRY": NOW + PARAMS.cooldown_ms}

    recovered = stats(stat("BTCTRY"), stat("ETHTRY"))
    during, _ = run(state, [recovered] * 5, start=NOW + 60_000)
    assert during.members == ("BTCTRY",)
    assert "ETHTRY" not in during.probation  # cooling down: not even on probation

    after, changes = run(state, [recovered] * 2, start=NOW + PARAMS.cooldown_ms)
    assert after.members == ("BTCTRY", "ETHTRY")  # re-entered through a fresh probation
    assert changes[1].added == ("ETHTRY",)
    assert after.cooldown_until_ms == {}


def test_the_churn_limit_caps_changes_and_removes_non_qualifying_members_first():
    params = replace(PARAMS, size=3, max_changes_per_cycle=1, probation_cycles=1)
    state = UniverseState(members=("ADATRY", "BTCTRY", "ETHTRY"))
    market = stats(
        stat("ADATRY", trading=False),
        stat("BTCTRY"),
        stat("ETHTRY", depth="10"),
        stat("SOLTRY", volume="7000000"),
    )
    state, first = select_universe(state, market, params, NOW)
    assert (first.added, first.removed) == ((), ("ADATRY",))
    assert first.reasons["ADATRY"] == "no longer qualifies: not trading"

    state, second = select_universe(state, market, params, NOW + 1)
    assert (second.added, second.removed) == ((), ("ETHTRY",))

    state, third = select_universe(state, market, params, NOW + 2)
    assert (third.added, third.removed) == (("SOLTRY",), ())
    assert state.members == ("BTCTRY", "SOLTRY")


def test_a_newcomer_displaces_the_worst_member_outside_the_top_when_the_budget_allows():
    state = UniverseState(members=("BTCTRY", "ETHTRY"))
    market = stats(stat("BTCTRY", "9000000"), stat("ETHTRY", "2000000"), stat("SOLTRY", "5000000"))
    tight = replace(PARAMS, probation_cycles=1, max_changes_per_cycle=1)
    held, change = select_universe(state, market, tight, NOW)
    assert held.members == ("BTCTRY", "ETHTRY")  # a swap costs two changes
    assert change.added == change.removed == ()

    swapped, change = select_universe(held, market, replace(tight, max_changes_per_cycle=2), NOW)
    assert swapped.members == ("BTCTRY", "SOLTRY")
    assert change.removed == ("ETHTRY",)
    assert change.reasons["ETHTRY"] == "fell out of the top 2: replaced by SOLTRY"


def test_a_member_out_of_the_top_stays_while_no_newcomer_is_ready():
    state = UniverseState(members=("BTCTRY", "ETHTRY"))
    market = stats(stat("BTCTRY", "9000000"), stat("ETHTRY", "2000000"), stat("SOLTRY", "5000000"))
    state, change = select_universe(state, market, PARAMS, NOW)
    assert state.members == ("BTCTRY", "ETHTRY")
    assert change.removed == ()


def test_nothing_qualifying_falls_back_and_stays_there_without_churn():
    state = UniverseState(members=("SOLTRY",))
    dead = stats(stat("SOLTRY", volume="5"), stat("BTCTRY", spread="500"), stat("ETHTRY", volume="1"))
    state, change = select_universe(state, dead, PARAMS, NOW)
    assert state.members == ("BTCTRY", "ETHTRY")
    assert change.added == ("BTCTRY", "ETHTRY")
    assert change.removed == ("SOLTRY",)
    assert set(change.reasons.values()) == {"fallback"}

    again, change = select_universe(state, dead, PARAMS, NOW + 60_000)
    assert again.members == ("BTCTRY", "ETHTRY")
    assert change.added == change.removed == ()


def test_no_stats_at_all_changes_nothing():
    state = UniverseState(members=("BTCTRY",), probation={"SOLTRY": 1})
    new_state, change = select_universe(state, {}, PARAMS, NOW)
    assert new_state == state
    assert change.added == change.removed == ()


def test_a_member_without_stats_this_cycle_stays():
    state = UniverseState(members=("BTCTRY", "ETHTRY"))
    new_state, change = select_universe(state, stats(stat("BTCTRY")), PARAMS, NOW)
    assert new_state.members == ("BTCTRY", "ETHTRY")
    assert change.removed == ()


def test_wrong_quote_never_qualifies_and_ties_rank_by_symbol():
    params = replace(PARAMS, size=1, probation_cycles=1)
    market = stats(stat("BTCUSDT", "99000000", quote="USDT"), stat("XRPTRY"), stat("ADATRY"))
    state, change = select_universe(UniverseState(members=()), market, params, NOW)
    assert state.members == ("ADATRY",)
    assert change.added == ("ADATRY",)


def test_state_round_trips_through_json():
    state = UniverseState(
        members=("BTCTRY", "ETHTRY"), probation={"SOLTRY": 2}, cooldown_until_ms={"ADATRY": NOW}
    )
    data = json.loads(json.dumps(state.to_json()))
    assert data == {
        "members": ["BTCTRY", "ETHTRY"],
        "probation": {"SOLTRY": 2},
        "cooldown_until_ms": {"ADATRY": NOW},
    }
    assert UniverseState.from_json(data) == state


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({"probation": {}, "cooldown_until_ms": {}}, "members: missing"),
        ({"members": ["A"], "probation": {"SOLTRY": "2"}, "cooldown_until_ms": {}}, "probation.SOLTRY"),
        ({"members": ["A"], "probation": {}, "cooldown_until_ms": []}, "cooldown_until_ms"),
    ],
)
def test_from_json_names_the_bad_field(data, field):
    with pytest.raises(ValueError, match=field):
        UniverseState.from_json(data)
