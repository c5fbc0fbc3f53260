"""What the synthetic generator needs to know about a pair: its rules plus market character."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal

from bot.domain.symbols import PairRules


@dataclass(frozen=True, slots=True, kw_only=True)
class PairSpec:
    """A pair to synthesise.

    `minute_volatility_ratio` is the typical standard deviation of one-minute returns (0.0009 is
    about 3.4% a day); `factor_correlation` (0..1) ties the pair to the common market factor;
    `base_spread_bps` is the spread in calm, normal conditions; `minute_volume` and `top_quantity`
    are typical base-asset volume per minute and quantity at the best bid/ask.
    """

    rules: PairRules
    start_price: Decimal
    minute_volatility_ratio: Decimal
    factor_correlation: Decimal
    base_spread_bps: Decimal
    minute_volume: Decimal
    top_quantity: Decimal


def _try_pair(
    symbol: str, base: str, *, quantity_scale: int, price_scale: int, band: tuple[str, str]
) -> PairRules:
    return PairRules(
        symbol=symbol,
        base=base,
        quote="TRY",
        quantity_scale=quantity_scale,
        price_scale=price_scale,
        tick_size=Decimal(1).scaleb(-price_scale),
        min_notional=Decimal("99.91"),
        min_price=Decimal(band[0]),
        max_price=Decimal(band[1]),
    )


# Scales follow BTCTurk's TRY books; bands are generous (about 1/100x to 70x the start price) so
# months of synthetic drift stay inside them.
DEFAULT_PAIRS: Mapping[str, PairSpec] = {
    "BTCTRY": PairSpec(
        rules=_try_pair("BTCTRY", "BTC", quantity_scale=8, price_scale=0, band=("10000", "100000000")),
        start_price=Decimal("1400000"),
        minute_volatility_ratio=Decimal("0.0009"),
        factor_correlation=Decimal("0.9"),
        base_spread_bps=Decimal("2.5"),
        minute_volume=Decimal("0.8"),
        top_quantity=Decimal("0.15"),
    ),
    "ETHTRY": PairSpec(
        rules=_try_pair("ETHTRY", "ETH", quantity_scale=8, price_scale=0, band=("1000", "5000000")),
        start_price=Decimal("80000"),
        minute_volatility_ratio=Decimal("0.0011"),
        factor_correlation=Decimal("0.8"),
        base_spread_bps=Decimal("4"),
        minute_volume=Decimal("12"),
        top_quantity=Decimal("2.5"),
    ),
    "XRPTRY": PairSpec(
        rules=_try_pair("XRPTRY", "XRP", quantity_scale=2, price_scale=4, band=("0.2", "1500")),
        start_price=Decimal("21.5"),
        minute_volatility_ratio=Decimal("0.0014"),
        factor_correlation=Decimal("0.65"),
        base_spread_bps=Decimal("7"),
        minute_volume=Decimal("40000"),
        top_quantity=Decimal("6000"),
    ),
}
