"""What each portfolio cycle valued the ledger at, recorded so `bot ledger verify` can redo it.

Equity needs marks, and marks are market data, not ledger events. So every portfolio cycle
records, under the state key `portfolio.valuation` and before its remembered state, the marks it
used, which pair prices each held asset, and the equity and realised PnL it computed. With the
opening balances and the fills already in the log, that is everything the accounting read:
`bot.app.accounting_verify` rebuilds the books from it and checks the equity, and the peak,
drawdown and daily PnL carried in `portfolio.equity`, cycle by cycle.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal

from bot.accounting import Books, Valuation
from bot.accounting.exact import exact_text
from bot.domain.json_fields import decimal_field, int_field, map_field, text_field

KEY = "portfolio.valuation"


@dataclass(frozen=True, slots=True, kw_only=True)
class ValuationRecord:
    cycle_id: int
    now_ms: int
    quote_asset: str
    day_boundary_offset_ms: int
    equity: Decimal
    realized_pnl: Decimal
    marks: Mapping[str, Decimal] = field(default_factory=dict)
    asset_symbols: Mapping[str, str] = field(default_factory=dict)  # held asset -> its pair

    @classmethod
    def of(
        cls,
        *,
        cycle_id: int,
        now_ms: int,
        day_boundary_offset_ms: int,
        books: Books,
        valuation: Valuation,
        marks: Mapping[str, Decimal],
    ) -> ValuationRecord:
        held = {asset for asset in books.cash if asset != books.quote_asset}
        return cls(
            cycle_id=cycle_id,
            now_ms=now_ms,
            quote_asset=books.quote_asset,
            day_boundary_offset_ms=day_boundary_offset_ms,
            equity=valuation.equity,
            realized_pnl=valuation.realized_pnl,
            marks=dict(marks),
            asset_symbols={a: s for a, s in books.symbol_by_asset.items() if a in held},
        )

    def to_json(self) -> dict[str, object]:
        return {
            "cycle_id": self.cycle_id,
            "now_ms": self.now_ms,
            "quote_asset": self.quote_asset,
            "day_boundary_offset_ms": self.day_boundary_offset_ms,
            "equity": exact_text(self.equity),
            "realized_pnl": exact_text(self.realized_pnl),
            "marks": {symbol: exact_text(mark) for symbol, mark in sorted(self.marks.items())},
            "asset_symbols": dict(sorted(self.asset_symbols.items())),
        }

    @classmethod
    def from_json(cls, data: Mapping[str, object]) -> ValuationRecord:
        """Raises StateFieldError (a ValueError) naming the missing or malformed field."""
        return cls(
            cycle_id=int_field(data, "cycle_id"),
            now_ms=int_field(data, "now_ms"),
            quote_asset=text_field(data, "quote_asset"),
            day_boundary_offset_ms=int_field(data, "day_boundary_offset_ms"),
            equity=decimal_field(data, "equity"),
            realized_pnl=decimal_field(data, "realized_pnl"),
            marks=map_field(data, "marks", decimal_field),
            asset_symbols=map_field(data, "asset_symbols", text_field),
        )
