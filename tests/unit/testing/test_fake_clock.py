"""The one fake clock: every view of it (epoch ms, monotonic seconds, sleeps) moves together."""

from __future__ import annotations

import asyncio

from bot.testing import FakeClock


def test_it_moves_only_when_told():
    clock = FakeClock(1_000)
    assert (clock.now_ms(), clock.now_ms()) == (1_000, 1_000)
    clock.advance(250)
    assert clock.now_ms() == 1_250
    clock.set(5_000)
    assert (clock.now_ms(), clock.monotonic()) == (5_000, 5.0)


def test_sleeps_are_recorded_and_move_every_view_at_once():
    clock = FakeClock.at_seconds(100)
    clock.sleep(1.5)
    asyncio.run(clock.async_sleep(0.25))
    assert clock.sleeps == [1.5, 0.25]
    assert (clock.monotonic(), clock.now_ms()) == (101.75, 101_750)


def test_sub_millisecond_waits_add_up_without_drift():
    clock = FakeClock(0)
    for _ in range(1_000):
        clock.sleep(0.0005)
    assert clock.now_ms() == 500  # a clock kept in whole ms would have lost or gained all of it


def test_seconds_are_set_exactly_for_a_limiter_or_breaker():
    clock = FakeClock.at_seconds(9.9)
    assert clock.monotonic() == 9.9
    clock.advance_seconds(0.1)
    clock.set_seconds(clock.monotonic())
    assert clock.monotonic() == 10.0
