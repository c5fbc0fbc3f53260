"""Mapping between wall time and dataset (market) time in the simulator."""

from __future__ import annotations

import bisect
import threading
from dataclasses import dataclass
from decimal import ROUND_CEILING, ROUND_FLOOR, Decimal


@dataclass(frozen=True, slots=True, kw_only=True)
class MarketClock:
    """market_ms = start_ms + (wall_ms - started_wall_ms) * speed, clamped to [start_ms, end_ms].

    After `end_ms` the feed freezes on the last rows.
    """

    started_wall_ms: int
    start_ms: int
    end_ms: int
    speed: Decimal  # dataset ms per wall ms

    def market_ms(self, wall_ms: int) -> int:
        elapsed = max(0, wall_ms - self.started_wall_ms)
        advanced = int((Decimal(elapsed) * self.speed).to_integral_value(rounding=ROUND_FLOOR))
        return min(self.start_ms + advanced, self.end_ms)

    def wall_ms(self, market_ms: int) -> int:
        """The first wall time at which `market_ms` is reached (when a row became current)."""
        offset = Decimal(max(0, market_ms - self.start_ms)) / self.speed
        return self.started_wall_ms + int(offset.to_integral_value(rounding=ROUND_CEILING))


class PacedMarketClock:
    """Market time that moves one step per `advance()`, whatever the wall clock does.

    For tests and drills whose outcome must not depend on how fast the machine runs: the
    simulator advances it on every balance read (`SimConfig.advance_ms_per_balance_read`), and a
    bot reads balances once per cycle (once more after new fills), so the bot meets the same
    market sequence on an idle laptop and on a loaded CI runner. Every advance is remembered with
    the wall time it happened at, so wall <-> market mapping stays monotonic both ways.
    """

    def __init__(self, *, started_wall_ms: int, start_ms: int, end_ms: int, step_ms: int) -> None:
        self.started_wall_ms = started_wall_ms
        self.step_ms = step_ms
        self._end_ms = end_ms
        self._walls = [started_wall_ms]
        self._markets = [start_ms]
        self._lock = threading.Lock()

    def advance(self, wall_ms: int) -> int:
        """Move the market one step (not past the end) as of `wall_ms`; returns the market time."""
        with self._lock:
            market = min(self._markets[-1] + self.step_ms, self._end_ms)
            if market > self._markets[-1]:
                self._walls.append(max(wall_ms, self._walls[-1]))
                self._markets.append(market)
            return self._markets[-1]

    def market_ms(self, wall_ms: int) -> int:
        """The market time current at `wall_ms` (the start before the first advance)."""
        with self._lock:
            index = bisect.bisect_right(self._walls, wall_ms) - 1
            return self._markets[max(index, 0)]

    def wall_ms(self, market_ms: int) -> int:
        """The wall time of the advance that first reached `market_ms` (the last one if none did)."""
        with self._lock:
            index = bisect.bisect_left(self._markets, market_ms)
            return self._walls[min(index, len(self._walls) - 1)]
