"""Mapping between wall time and dataset (market) time in the simulator."""

from __future__ import annotations

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
