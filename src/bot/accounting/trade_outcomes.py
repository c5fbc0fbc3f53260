"""Per-trade outcomes the risk budget reads: the losing streak of exits, and fees in a window."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal

from bot.accounting.books import symbol_of
from bot.accounting.cost_basis import apply_trade
from bot.accounting.exact import difference, total
from bot.accounting.fees import fee_in_quote
from bot.domain.account import Position
from bot.domain.money import ZERO
from bot.domain.orders import Fill, Side


@dataclass(frozen=True, slots=True, kw_only=True)
class TradeOutcomes:
    loss_streak: int  # consecutive most recent exits (sell fills) at or after `since_ms` that lost
    fees_quote_since: Decimal  # fees and taxes in the quote asset from fills at or after `since_ms`
    unconverted_fee_fills: int  # fills in the window whose fee could not be converted (not counted)


def trade_outcomes(
    fills: Sequence[Fill],
    *,
    quote_asset: str,
    since_ms: int,
    fee_marks: Mapping[str, Decimal],
    opening_positions: Mapping[str, Position] | None = None,
) -> TradeOutcomes:
    """Replay `fills` (ledger order) over the opening positions; a sell in the window whose
    realised PnL is below zero extends the streak, one at or above zero ends it.

    The window (the accounting day, for the risk budget) matters: a streak that could only end
    with a winning trade would hold a mode that forbids trading forever.
    """
    positions = dict(opening_positions or {})
    streak = 0
    fees = ZERO
    unconverted = 0
    for fill in fills:
        fee_symbol = symbol_of(fill.fee_asset, quote_asset=quote_asset, symbol_by_asset={})
        fee = fee_in_quote(fill, quote_asset=quote_asset, fee_symbol=fee_symbol, fee_marks=fee_marks)
        if fill.ts_ms >= since_ms:
            if fee is None:
                unconverted += 1
            else:
                fees = total(fees, fee)
        before = positions.get(fill.symbol, Position(symbol=fill.symbol))
        after = apply_trade(
            before, side=fill.side, price=fill.price, quantity=fill.quantity, fee_quote=fee or ZERO
        )
        positions[fill.symbol] = after
        if fill.side is Side.SELL and fill.ts_ms >= since_ms:
            realised = difference(after.realized_pnl, before.realized_pnl)
            streak = streak + 1 if realised < 0 else 0
    return TradeOutcomes(loss_streak=streak, fees_quote_since=fees, unconverted_fee_fills=unconverted)
