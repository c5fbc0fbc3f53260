"""Fakes and harnesses shipped with the library for tests.

- `clock.FakeClock`: the one fake clock (epoch ms, monotonic seconds, sleeps that do not block).
- `builders`, `risk_builders`: snapshots, rules and limits stating only what a test cares about.
- `cycles.CycleRun`: cycles in process through the real composition (`bot.app.composition`).
- `simulator.serving`: the exchange simulator served from the test's own process, on loopback.

Only the clock is imported here: the harnesses load the runtime and the simulator's server.
"""

from bot.testing.clock import FakeClock

__all__ = ["FakeClock"]
