"""Volatility as the risk budget reads it: the dispersion of recent mid-price returns, or the
spread, whichever is larger, for the most volatile traded symbol. Pure; the window of recent
mids is state kept across cycles.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from itertools import pairwise

from bot.domain.json_fields import decimal_list_field, decimals_to_json, map_field
from bot.domain.market import MarketSnapshot
from bot.domain.money import ZERO

BPS = Decimal(10_000)


@dataclass(frozen=True, slots=True, kw_only=True)
class VolatilityState:
    mids: Mapping[str, tuple[Decimal, ...]] = field(default_factory=dict)  # oldest first

    def to_json(self) -> dict[str, object]:
        return {"mids": {symbol: decimals_to_json(mids) for symbol, mids in sorted(self.mids.items())}}

    @classmethod
    def from_json(cls, data: Mapping[str, object]) -> VolatilityState:
        """Raises StateFieldError naming the bad field (`mids.BTCTRY[2]: ...`)."""
        return cls(mids=map_field(data, "mids", decimal_list_field))


@dataclass(frozen=True, slots=True, kw_only=True)
class VolatilityReading:
    state: VolatilityState
    volatility_bps: Decimal  # the larger of return dispersion and spread, worst symbol
    by_symbol: Mapping[str, Decimal]


def observe_volatility(
    state: VolatilityState, market: MarketSnapshot, symbols: Sequence[str], window: int
) -> VolatilityReading:
    """Add this cycle's mids (keeping the last `window`) and measure each symbol's volatility.

    Dispersion is the population standard deviation of one-cycle returns, in basis points; a
    symbol with fewer than 3 mids has only its spread.
    """
    mids = dict(state.mids)
    by_symbol: dict[str, Decimal] = {}
    for symbol in symbols:
        data = market.symbols.get(symbol)
        if data is None or data.mid <= 0:
            continue
        recent = (*mids.get(symbol, ()), data.mid)[-window:]
        mids[symbol] = recent
        by_symbol[symbol] = max(_dispersion_bps(recent), data.spread_bps)
    worst = max(by_symbol.values(), default=ZERO)
    return VolatilityReading(state=VolatilityState(mids=mids), volatility_bps=worst, by_symbol=by_symbol)


def _dispersion_bps(mids: Sequence[Decimal]) -> Decimal:
    if len(mids) < 3:
        return ZERO
    returns = [(b - a) / a for a, b in pairwise(mids)]
    mean = sum(returns, ZERO) / len(returns)
    variance = sum(((r - mean) ** 2 for r in returns), ZERO) / len(returns)
    return variance.sqrt() * BPS
