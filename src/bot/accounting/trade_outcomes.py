"""Per-trade outcomes the risk budget reads: the losing streak of exits, and fees in a window."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal

from bot.accounting.exact import total
from bot.domain.money import ZERO


@dataclass(frozen=True, slots=True, kw_only=True)
class TradeOutcomes:
    loss_streak: int  # consecutive most recent exits (sell fills) at or after `since_ms` that lost
    fees_quote_since: Decimal  # fees and taxes in the quote asset from fills at or after `since_ms`
    unconverted_fee_fills: int  # fills in the window whose fee could not be converted (not counted)


@dataclass(frozen=True, slots=True)
class TradeEntry:
    """What one applied fill did: its time, its fee in the quote asset (None: not convertible)
    and, for a sell, the realised PnL it booked (sell fee included)."""

    ts_ms: int
    fee_quote: Decimal | None
    realised: Decimal | None = None


def outcomes_since(entries: Sequence[TradeEntry], since_ms: int) -> TradeOutcomes:
    """Outcomes of the entries at or after `since_ms`; `entries` are in time order.

    A sell in the window whose realised PnL is below zero extends the streak, one at or above
    zero ends it. The window (the accounting day, for the risk budget) matters: a streak that
    could only end with a winning trade would hold a mode that forbids trading forever. Only the
    window is read, from the newest entry back.
    """
    streak, streak_open, fees, unconverted = 0, True, ZERO, 0
    for entry in reversed(entries):
        if entry.ts_ms < since_ms:
            break
        if entry.fee_quote is None:
            unconverted += 1
        else:
            fees = total(fees, entry.fee_quote)
        if streak_open and entry.realised is not None:
            if entry.realised < 0:
                streak += 1
            else:
                streak_open = False
    return TradeOutcomes(loss_streak=streak, fees_quote_since=fees, unconverted_fee_fills=unconverted)
