"""Peak, drawdown and daily PnL across cycles, and the day boundary."""

from __future__ import annotations

import pytest
from accounting_builders import D

from bot.accounting import EquityState, day_start, track_equity

JAN_1 = 1_704_067_200_000  # 2024-01-01T00:00:00Z
JAN_2 = JAN_1 + 86_400_000
HOUR = 3_600_000


def test_a_fresh_start_takes_this_equity_as_peak_and_day_start() -> None:
    state, reading = track_equity(None, D("1000"), JAN_1 + 5 * HOUR)

    assert state == EquityState(peak_equity=D("1000"), day_start_ms=JAN_1, day_start_equity=D("1000"))
    assert (reading.drawdown_ratio, reading.daily_pnl, reading.daily_loss_ratio) == (D(0), D(0), D(0))
    assert not reading.day_rolled


def test_the_peak_only_rises_and_drawdown_is_measured_from_it() -> None:
    state, _ = track_equity(None, D("1000"), JAN_1)
    state, reading = track_equity(state, D("1200"), JAN_1 + 1)
    assert (reading.peak_equity, reading.drawdown_ratio) == (D("1200"), D(0))

    state, reading = track_equity(state, D("900"), JAN_1 + 2)
    assert reading.peak_equity == D("1200")
    assert reading.drawdown_ratio == D("0.25")
    assert reading.daily_pnl == D("-100")
    assert reading.daily_loss_ratio == D("0.1")

    state, reading = track_equity(state, D("1100"), JAN_1 + 3)
    assert state.peak_equity == D("1200")
    assert reading.daily_pnl == D("100")
    assert reading.daily_loss_ratio == D(0)


def test_drawdown_stays_within_zero_and_one() -> None:
    state, _ = track_equity(None, D("1000"), JAN_1)
    _, reading = track_equity(state, D("-50"), JAN_1 + 1)
    assert reading.drawdown_ratio == D(1)

    state, _ = track_equity(None, D("0"), JAN_1)
    _, reading = track_equity(state, D("-10"), JAN_1 + 1)
    assert reading.drawdown_ratio == D(0)
    assert reading.daily_loss_ratio == D(0)


def test_daily_pnl_resets_exactly_at_utc_midnight_not_before() -> None:
    state, _ = track_equity(None, D("1000"), JAN_1 + HOUR)

    before, reading = track_equity(state, D("950"), JAN_2 - 1)
    assert not reading.day_rolled
    assert reading.daily_pnl == D("-50")
    assert before.day_start_ms == JAN_1

    after, reading = track_equity(before, D("940"), JAN_2)
    assert reading.day_rolled
    assert reading.daily_pnl == D(0)
    assert after == EquityState(peak_equity=D("1000"), day_start_ms=JAN_2, day_start_equity=D("940"))
    assert reading.drawdown_ratio == D("0.06")

    _, reading = track_equity(after, D("930"), JAN_2 + 1)
    assert not reading.day_rolled
    assert reading.daily_pnl == D("-10")


def test_the_day_boundary_moves_with_the_offset() -> None:
    offset = 3 * HOUR  # the day starts at 03:00 UTC
    state, _ = track_equity(None, D("1000"), JAN_2 + HOUR, day_boundary_offset_ms=offset)
    assert state.day_start_ms == JAN_1 + offset  # 01:00 UTC belongs to the day that began yesterday

    _, reading = track_equity(state, D("990"), JAN_2 + offset - 1, day_boundary_offset_ms=offset)
    assert not reading.day_rolled
    assert reading.daily_pnl == D("-10")

    state, reading = track_equity(state, D("980"), JAN_2 + offset, day_boundary_offset_ms=offset)
    assert reading.day_rolled
    assert reading.daily_pnl == D(0)
    assert state.day_start_ms == JAN_2 + offset


def test_local_midnight_in_istanbul_is_21_hours_after_utc_midnight() -> None:
    istanbul = 21 * HOUR
    assert day_start(JAN_2 - 3 * HOUR, istanbul) == JAN_2 - 3 * HOUR
    assert day_start(JAN_2 - 3 * HOUR - 1, istanbul) == JAN_1 - 3 * HOUR


def test_several_days_later_rolls_once_to_the_current_day() -> None:
    state, _ = track_equity(None, D("1000"), JAN_1)

    state, reading = track_equity(state, D("1500"), JAN_1 + 3 * 86_400_000 + 5)

    assert reading.day_rolled
    assert state.day_start_ms == JAN_1 + 3 * 86_400_000


def test_a_clock_that_goes_back_does_not_unroll_the_day() -> None:
    state, _ = track_equity(None, D("1000"), JAN_2 + HOUR)

    state, reading = track_equity(state, D("900"), JAN_2 - HOUR)

    assert not reading.day_rolled
    assert state.day_start_ms == JAN_2
    assert reading.daily_pnl == D("-100")


def test_state_round_trips_through_json_with_every_digit() -> None:
    state = EquityState(
        peak_equity=D("123456.789012345678901234567890123456"),
        day_start_ms=JAN_1,
        day_start_equity=D("1.50"),
    )

    data = state.to_json()

    assert data == {
        "peak_equity": "123456.789012345678901234567890123456",
        "day_start_ms": JAN_1,
        "day_start_equity": "1.5",
    }
    assert EquityState.from_json(data) == state


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({"day_start_ms": JAN_1, "day_start_equity": "1"}, "peak_equity"),
        ({"peak_equity": "x", "day_start_ms": JAN_1, "day_start_equity": "1"}, "peak_equity"),
        ({"peak_equity": "1", "day_start_ms": "soon", "day_start_equity": "1"}, "day_start_ms"),
        ({"peak_equity": "1", "day_start_ms": True, "day_start_equity": "1"}, "day_start_ms"),
        ({"peak_equity": "1", "day_start_ms": JAN_1, "day_start_equity": 1.5}, "day_start_equity"),
        ({"peak_equity": "1", "day_start_ms": JAN_1}, "day_start_equity"),
    ],
)
def test_a_bad_json_state_names_the_field(data: dict[str, object], field: str) -> None:
    with pytest.raises(ValueError, match=field):
        EquityState.from_json(data)
