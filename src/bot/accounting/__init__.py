"""Accounting derived from ledger fills: positions, average cost, PnL, equity, drawdown, daily PnL.

Pure: no IO, no clock reads, no logging. Money is Decimal and sums are exact to the last digit.
"""

from bot.accounting.books import Books, build_books
from bot.accounting.equity import EquityReading, EquityState, day_start, hold_equity, track_equity
from bot.accounting.marks import Carry, Mark
from bot.accounting.valuation import Valuation, value

__all__ = [
    "Books",
    "Carry",
    "EquityReading",
    "EquityState",
    "Mark",
    "Valuation",
    "build_books",
    "day_start",
    "hold_equity",
    "track_equity",
    "value",
]
