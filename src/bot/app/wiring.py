"""How a run is wired when it is not on the wall clock and a network: a drill's run.

A `Wiring` gives the composition root the clock every component reads, the function that moves
it between cycles, and the HTTP transport and sleep the BTCTurk client uses. With it, the
daemon's own code (the same `run_stage`, executor, reconciler, retries, rate limiter and circuit
breaker) runs against an exchange served in this process on time that only the caller moves: a
retry's back-off, the breaker's probe interval and a dropped answer's wait all pass in an
instant, and the same seed gives the same run on any machine.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from bot.domain.clock import Clock
from bot.exchange.call_stats import CallObserver

if TYPE_CHECKING:
    import httpx


@dataclass(frozen=True, slots=True, kw_only=True)
class Wiring:
    clock: Clock
    # Moves `clock` to the next cycle; False ends the run (as a replay's end does).
    advance: Callable[[], bool]
    transport: httpx.BaseTransport
    sleep: Callable[[float], None]  # a retry's or the rate limiter's wait: moves `clock`
    monotonic: Callable[[], float]  # seconds, on `clock`: the breaker's and the limiter's time
    seed: int  # the retry jitter's generator
    observers: tuple[CallObserver, ...] = ()  # hear every attempt and retry, beside the tally
