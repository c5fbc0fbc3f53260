"""Builders for the paper-adapter and replay tests."""

from __future__ import annotations

from decimal import Decimal

from bot.domain.dataset import Dataset, MarketRow
from bot.domain.symbols import PairRules

D = Decimal


RULES = PairRules(
    symbol="BTCTRY",
    base="BTC",
    quote="TRY",
    quantity_scale=8,
    price_scale=0,
    tick_size=D(10),
    min_notional=D(10),
    min_price=D(1000),
    max_price=D(10_000_000),
)


def row(ts_ms: int, bid: str, ask: str, *, qty: str = "1", volume: str = "2") -> MarketRow:
    return MarketRow(
        ts_ms=ts_ms, bid=D(bid), ask=D(ask), last=D(bid), bid_qty=D(qty), ask_qty=D(qty), volume=D(volume)
    )


def dataset(rows: list[MarketRow]) -> Dataset:
    return Dataset(name="unit", step_ms=60_000, pairs={"BTCTRY": RULES}, rows={"BTCTRY": tuple(rows)})
