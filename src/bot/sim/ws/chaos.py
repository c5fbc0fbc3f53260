"""Fault injection for the WebSocket feed: scheduled disconnects and stalls, seeded per connection."""

from __future__ import annotations

import random
from dataclasses import dataclass

STALL_CHECK_EVERY_S = 1.0


@dataclass(frozen=True, slots=True, kw_only=True)
class WsChaos:
    """How the simulated feed misbehaves.

    `disconnect_every_s`: close each connection this long after it opened (None: never).
    `stall_probability`: once per second of connection time (first check one second in), the chance
    that the server goes silent for `stall_s` while keeping the socket open (a stalled exchange).
    `seed`: with the connection's ordinal, fixes every stall decision, so a run is reproducible.
    """

    disconnect_every_s: float | None = None
    stall_probability: float = 0.0
    stall_s: float = 0.0
    seed: int = 0

    def __post_init__(self) -> None:
        if self.disconnect_every_s is not None and self.disconnect_every_s <= 0:
            raise ValueError("disconnect_every_s must be positive or None")
        if not 0.0 <= self.stall_probability <= 1.0:
            raise ValueError("stall_probability must be within [0, 1]")
        if self.stall_s < 0:
            raise ValueError("stall_s must not be negative")


class ChaosSchedule:
    """The faults of one connection, as a function of seconds since it opened (monotonic)."""

    def __init__(self, chaos: WsChaos, connection: int) -> None:
        self._chaos = chaos
        self._rng = random.Random(f"{chaos.seed}/{connection}")
        self._next_check_s = STALL_CHECK_EVERY_S
        self._stalled_until_s = 0.0

    def should_disconnect(self, elapsed_s: float) -> bool:
        every = self._chaos.disconnect_every_s
        return every is not None and elapsed_s >= every

    def stalled(self, elapsed_s: float) -> bool:
        """True while a stall is under way; rolls the seeded dice for each elapsed second."""
        while self._chaos.stall_probability > 0 and elapsed_s >= self._next_check_s:
            idle = self._next_check_s >= self._stalled_until_s
            if idle and self._rng.random() < self._chaos.stall_probability:
                self._stalled_until_s = self._next_check_s + self._chaos.stall_s
            self._next_check_s += STALL_CHECK_EVERY_S
        return elapsed_s < self._stalled_until_s
