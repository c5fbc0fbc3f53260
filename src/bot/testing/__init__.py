"""Fakes shipped with the library for tests: a controllable clock and snapshot builders."""

from bot.testing.clock import FakeClock

__all__ = ["FakeClock"]
