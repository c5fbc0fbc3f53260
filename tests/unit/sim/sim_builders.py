"""Small builders shared by the simulator and engine tests."""

from __future__ import annotations

from decimal import Decimal

from bot.domain.dataset import Dataset, MarketRow
from bot.domain.symbols import PairRules

D = Decimal


def btctry_rules(**overrides: object) -> PairRules:
    values: dict[str, object] = {
        "symbol": "BTCTRY",
        "base": "BTC",
        "quote": "TRY",
        "quantity_scale": 8,
        "price_scale": 0,
        "tick_size": D(1),
        "min_notional": D(10),
        "min_price": D(1000),
        "max_price": D(10_000_000),
        "trading": True,
    }
    values.update(overrides)
    return PairRules(**values)  # type: ignore[arg-type]


def row(
    ts_ms: int, bid: str, ask: str, *, bid_qty: str = "1", ask_qty: str = "1", volume: str = "2"
) -> MarketRow:
    return MarketRow(
        ts_ms=ts_ms,
        bid=D(bid),
        ask=D(ask),
        last=D(bid),
        bid_qty=D(bid_qty),
        ask_qty=D(ask_qty),
        volume=D(volume),
    )


def dataset(rows: list[MarketRow], *, step_ms: int = 60_000, rules: PairRules | None = None) -> Dataset:
    pair = rules or btctry_rules()
    return Dataset(name="unit", step_ms=step_ms, pairs={pair.symbol: pair}, rows={pair.symbol: tuple(rows)})
