from __future__ import annotations

import json
from decimal import Decimal as D

import pytest

from bot.risk.kill_switch import (
    AutoTripPolicy,
    KillSwitch,
    auto_trip,
    auto_trip_reason,
    clear,
    trip,
    tripped_by_rule,
)

T0 = 1_700_000_000_000
OFF = KillSwitch.off()
AUTO = AutoTripPolicy(max_consecutive_critical_errors=5, hard_drawdown_ratio=D("0.25"))


def test_off_is_not_engaged():
    off = KillSwitch.off()
    assert not off.engaged(T0)
    assert off == KillSwitch(active=False, reason="", source="", since_ms=None, expires_ms=None)


def test_trip_engages_until_cleared():
    on = trip(OFF, reason="maintenance", source="operator", now_ms=T0)
    assert on == KillSwitch(
        active=True, reason="maintenance", source="operator", since_ms=T0, expires_ms=None
    )
    assert on.engaged(T0) and on.engaged(T0 + 10**12)
    off = clear(on, now_ms=T0 + 5)
    assert not off.engaged(T0 + 5)
    assert off == KillSwitch(active=False, reason="", source="", since_ms=T0 + 5, expires_ms=None)


def test_clearing_an_inactive_switch_changes_nothing():
    assert clear(OFF, now_ms=T0) == OFF


def test_tripping_an_engaged_switch_keeps_the_original():
    first = trip(OFF, reason="first", source="operator", now_ms=T0)
    again = trip(first, reason="second", source="auto:hard_drawdown", now_ms=T0 + 1)
    assert again == first
    again = trip(first, reason="second", source="operator", now_ms=T0 + 1, expires_ms=T0 + 100)
    assert again == first


def test_a_trip_without_expiry_replaces_one_with_expiry():
    timed = trip(OFF, reason="timed", source="operator", now_ms=T0, expires_ms=T0 + 100)
    latched = trip(timed, reason="for good", source="auto:critical_errors", now_ms=T0 + 1)
    assert latched == KillSwitch(
        active=True, reason="for good", source="auto:critical_errors", since_ms=T0 + 1, expires_ms=None
    )
    assert latched.engaged(T0 + 10_000)


def test_a_second_timed_trip_keeps_the_original_and_the_later_expiry():
    timed = trip(OFF, reason="timed", source="operator", now_ms=T0, expires_ms=T0 + 100)
    longer = trip(timed, reason="other", source="operator", now_ms=T0 + 1, expires_ms=T0 + 500)
    assert (longer.reason, longer.since_ms, longer.expires_ms) == ("timed", T0, T0 + 500)
    shorter = trip(timed, reason="other", source="operator", now_ms=T0 + 1, expires_ms=T0 + 50)
    assert shorter == timed


def test_expiry_is_honoured_but_the_switch_stays_recorded():
    timed = trip(OFF, reason="timed", source="operator", now_ms=T0, expires_ms=T0 + 100)
    assert timed.engaged(T0 + 99)
    assert not timed.engaged(T0 + 100)
    assert timed.active  # recorded until cleared
    assert KillSwitch.from_json(timed.to_json()) == timed
    assert clear(timed, now_ms=T0 + 200).active is False


def test_tripping_an_expired_switch_starts_afresh():
    timed = trip(OFF, reason="timed", source="operator", now_ms=T0, expires_ms=T0 + 100)
    fresh = trip(timed, reason="again", source="operator", now_ms=T0 + 200, expires_ms=T0 + 300)
    assert (fresh.reason, fresh.since_ms, fresh.expires_ms) == ("again", T0 + 200, T0 + 300)


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"reason": "x", "source": "cron"}, "source"),
        ({"reason": "x", "source": "auto:"}, "source"),
        ({"reason": "x", "source": "operator", "expires_ms": T0}, "expires_ms"),
    ],
)
def test_trip_refuses_bad_arguments_even_when_already_engaged(kwargs, field):
    engaged = trip(OFF, reason="on", source="operator", now_ms=T0 - 1)
    for current in (OFF, engaged):
        with pytest.raises(ValueError, match=field):
            trip(current, now_ms=T0, **kwargs)


def test_trip_without_a_reason_still_trips():
    on = trip(OFF, reason="  ", source="operator", now_ms=T0)
    assert on.engaged(T0) and on.reason == "no reason given"


def test_auto_trip_reasons():
    assert auto_trip_reason(consecutive_critical_errors=4, drawdown_ratio=D("0.24"), policy=AUTO) is None
    assert (
        auto_trip_reason(consecutive_critical_errors=5, drawdown_ratio=D("0"), policy=AUTO)
        == "critical_errors: consecutive_critical_errors=5>=5"
    )
    assert (
        auto_trip_reason(consecutive_critical_errors=0, drawdown_ratio=D("0.25"), policy=AUTO)
        == "hard_drawdown: drawdown_ratio=0.25>=0.25"
    )
    both = auto_trip_reason(consecutive_critical_errors=9, drawdown_ratio=D("0.3"), policy=AUTO)
    assert both is not None and both.startswith("hard_drawdown:")


def test_auto_trip_sets_an_auto_source_and_latches():
    calm = auto_trip(OFF, consecutive_critical_errors=1, drawdown_ratio=D("0.1"), policy=AUTO, now_ms=T0)
    assert calm == OFF
    tripped = auto_trip(OFF, consecutive_critical_errors=6, drawdown_ratio=D("0.1"), policy=AUTO, now_ms=T0)
    assert tripped.engaged(T0) and tripped.source == "auto:critical_errors" and tripped.expires_ms is None
    operator = trip(OFF, reason="manual", source="operator", now_ms=T0 - 10)
    assert (
        auto_trip(operator, consecutive_critical_errors=6, drawdown_ratio=D("0.5"), policy=AUTO, now_ms=T0)
        == operator
    )


def test_a_rule_trips_a_switch_once_and_changes_nothing_while_it_is_latched():
    reason = "hard_drawdown: drawdown_ratio=0.4>=0.25"
    first = tripped_by_rule(OFF, reason=reason, now_ms=T0)
    assert first is not None and first.engaged(T0)
    assert (first.source, first.reason, first.since_ms) == ("auto:hard_drawdown", reason, T0)
    assert tripped_by_rule(first, reason=reason, now_ms=T0 + 60_000) is None
    operator = trip(OFF, reason="manual", source="operator", now_ms=T0)
    assert tripped_by_rule(operator, reason=reason, now_ms=T0 + 1) is None
    timed = trip(OFF, reason="timed", source="operator", now_ms=T0, expires_ms=T0 + 10)
    again = tripped_by_rule(timed, reason=reason, now_ms=T0 + 10)  # expired: a new transition
    assert again is not None and again.since_ms == T0 + 10


def test_auto_trip_policy_validation():
    with pytest.raises(ValueError, match="max_consecutive_critical_errors"):
        AutoTripPolicy(max_consecutive_critical_errors=0, hard_drawdown_ratio=D("0.2"))
    with pytest.raises(ValueError, match="hard_drawdown_ratio"):
        AutoTripPolicy(max_consecutive_critical_errors=3, hard_drawdown_ratio=D("1.5"))


@pytest.mark.parametrize(
    "switch",
    [
        KillSwitch.off(),
        KillSwitch(active=False, reason="", source="", since_ms=T0, expires_ms=None),
        KillSwitch(active=True, reason="r", source="operator", since_ms=T0, expires_ms=None),
        KillSwitch(active=True, reason="r", source="auto:hard_drawdown", since_ms=T0, expires_ms=T0 + 1),
    ],
)
def test_round_trips_through_json(switch):
    assert KillSwitch.from_json(json.loads(json.dumps(switch.to_json()))) == switch


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("active", "yes"),
        ("reason", None),
        ("source", "someone"),
        ("since_ms", "1"),
        ("since_ms", None),
        ("expires_ms", True),
        ("expires_ms", T0 - 1),
    ],
)
def test_from_json_names_the_bad_field(field, value):
    data = KillSwitch(active=True, reason="r", source="operator", since_ms=T0, expires_ms=T0 + 9).to_json()
    data[field] = value
    with pytest.raises(ValueError, match=field):
        KillSwitch.from_json(data)


def test_from_json_names_a_missing_field():
    data = OFF.to_json()
    del data["expires_ms"]
    with pytest.raises(ValueError, match="expires_ms: missing"):
        KillSwitch.from_json(data)
