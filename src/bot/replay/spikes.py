"""One-bar price spikes in imported data: flagged, and dropped when asked.

A spike is a bar whose close is more than `ratio` away from both its neighbours' closes (0.5:
more than 50 % of each neighbour's close above or below it), a lone outlier such as a misprinted
trade or a 100x tick, which a replay would otherwise trade on. A real move stays where it went,
so a crash of 60 % that holds is near its next bar and is not a spike. The first and last bars
have one neighbour, where a spike and the start of a move look alike, so they are never flagged.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal

from bot.replay.ohlcv import Bar


@dataclass(frozen=True, slots=True, kw_only=True)
class SpikeRule:
    """`ratio`: how far (a share of each neighbour's close) a bar's close must be from both
    neighbours to be a spike, > 0. `drop`: leave flagged bars out of the dataset (they then show
    up as gaps) instead of keeping them."""

    ratio: Decimal = Decimal("0.5")
    drop: bool = False

    def __post_init__(self) -> None:
        if not self.ratio.is_finite() or self.ratio <= 0:
            raise ValueError(f"the spike ratio must be a number above 0, got {self.ratio}")


def find_spikes(bars: Sequence[Bar], ratio: Decimal) -> tuple[Bar, ...]:
    """The bars whose close is more than `ratio` x the neighbour's close away from both the
    previous and the next bar's close, in order."""
    return tuple(
        bar
        for before, bar, after in zip(bars, bars[1:], bars[2:], strict=False)
        if _far(bar.close, before.close, ratio) and _far(bar.close, after.close, ratio)
    )


def _far(price: Decimal, neighbour: Decimal, ratio: Decimal) -> bool:
    return abs(price - neighbour) > ratio * neighbour
