"""The pinned markets the drills run on, written by code so every clone replays the same rows.

- `oscillating`: two pairs swinging around their start prices on short periods, so a stage-7
  account buys dips and sells rises within a few dozen cycles: orders, fills and cancels happen
  under every fault schedule.
- `sell_off`: one pair through eight calm hours, a 10 % slide in twenty minutes, forty minutes of
  violent swings down to 74 % of the start, a two-hour climb back, then calm past midnight (UTC)
  so the day's loss resets: the shape of the January 2022 sell-off, compressed.
"""

from __future__ import annotations

import math
from decimal import Decimal

from bot.domain.dataset import Dataset, MarketRow
from bot.replay.pair_specs import DEFAULT_PAIRS

STEP_MS = 60_000
OSCILLATING_START_MS = 1_700_000_000_000
SELL_OFF_START_MS = 1_700_073_600_000  # 2023-11-15 18:40 UTC: midnight falls at row 320
SELL_OFF_ROWS = 480
SELL_OFF_MIDNIGHT_MS = SELL_OFF_START_MS + 320 * STEP_MS
_SELL_OFF_FROM = Decimal(1_000_000)


def oscillating(steps: int) -> Dataset:
    pairs = {symbol: DEFAULT_PAIRS[symbol].rules for symbol in ("BTCTRY", "ETHTRY")}
    return Dataset(
        name="drill-oscillating",
        step_ms=STEP_MS,
        pairs=pairs,
        rows={
            "BTCTRY": _oscillating_rows(Decimal("1400000"), steps, 30, Decimal("0.01")),
            "ETHTRY": _oscillating_rows(Decimal("80000"), steps, 24, Decimal("0.012")),
        },
    )


def _oscillating_rows(start: Decimal, steps: int, period: int, amplitude: Decimal) -> tuple[MarketRow, ...]:
    rows = []
    for i in range(steps):
        # Rounded to 6 places before it becomes a Decimal: the same rows on every platform.
        wave = Decimal(str(round(math.sin(2 * math.pi * i / period), 6)))
        mid = (start * (1 + amplitude * wave)).quantize(Decimal(1))
        half = (mid * Decimal("0.0002")).quantize(Decimal(1)) or Decimal(1)
        rows.append(
            _row(OSCILLATING_START_MS + i * STEP_MS, mid - half, mid + half, mid, Decimal(5), Decimal(50))
        )
    return tuple(rows)


def sell_off_price(row: int) -> Decimal:
    if row < 120:  # calm
        return _SELL_OFF_FROM + (50 if row % 2 else -50)
    if row < 140:  # the slide: -0.5 % a minute
        return _SELL_OFF_FROM * (1 - Decimal("0.005") * (row - 120))
    if row < 180:  # the crash: -0.4 % a minute under +-2 % swings
        k = row - 140
        swing = Decimal("1.02") if k % 2 else Decimal("0.98")
        return _SELL_OFF_FROM * (Decimal("0.9") - Decimal("0.004") * k) * swing
    if row < 300:  # the climb back: +0.2 % of the start a minute
        return _SELL_OFF_FROM * (Decimal("0.76") + Decimal("0.002") * (row - 180))
    return _SELL_OFF_FROM * Decimal("0.998")


def sell_off_rows() -> tuple[MarketRow, ...]:
    rows = []
    for row in range(SELL_OFF_ROWS):
        last = sell_off_price(row).quantize(Decimal(1))
        rows.append(
            _row(SELL_OFF_START_MS + row * STEP_MS, last - 100, last + 100, last, Decimal(5), Decimal(1))
        )
    return tuple(rows)


def sell_off() -> Dataset:
    return Dataset(
        name="drill-sell-off",
        step_ms=STEP_MS,
        pairs={"BTCTRY": DEFAULT_PAIRS["BTCTRY"].rules},
        rows={"BTCTRY": sell_off_rows()},
    )


def _row(ts_ms: int, bid: Decimal, ask: Decimal, last: Decimal, qty: Decimal, volume: Decimal) -> MarketRow:
    return MarketRow(ts_ms=ts_ms, bid=bid, ask=ask, last=last, bid_qty=qty, ask_qty=qty, volume=volume)
