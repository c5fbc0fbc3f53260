"""Builders shared by the replay tests: a tiny valid dataset and where the shared real data lives."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

from bot.domain.dataset import Dataset, MarketRow
from bot.domain.symbols import PairRules

REPO_ROOT = Path(__file__).parents[3]
SHARED_DATA = REPO_ROOT / ".." / "shared" / "data"

TEST_RULES = PairRules(
    symbol="TESTTRY",
    base="TEST",
    quote="TRY",
    quantity_scale=4,
    price_scale=2,
    tick_size=Decimal("0.01"),
    min_notional=Decimal("10"),
    min_price=Decimal("0.01"),
    max_price=Decimal("100000"),
)


def small_rows(
    count: int = 5, *, start_ms: int = 1_700_000_000_000, step_ms: int = 60_000
) -> tuple[MarketRow, ...]:
    return tuple(
        MarketRow(
            ts_ms=start_ms + index * step_ms,
            bid=Decimal("100.00") + index,
            ask=Decimal("100.05") + index,
            last=Decimal("100.02") + index,
            bid_qty=Decimal("1.5"),
            ask_qty=Decimal("2.25"),
            volume=Decimal("10.1234") if index % 2 else Decimal(0),
        )
        for index in range(count)
    )


def small_dataset(rows: tuple[MarketRow, ...] | None = None) -> Dataset:
    return Dataset(
        name="small",
        step_ms=60_000,
        pairs={"TESTTRY": TEST_RULES},
        rows={"TESTTRY": small_rows() if rows is None else rows},
    )
