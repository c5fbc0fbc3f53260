"""What each portfolio cycle valued the ledger at, recorded so `bot ledger verify` can redo it.

Equity needs marks, and marks are market data, not ledger events. So every portfolio cycle
records, under the state key `portfolio.valuation` and before its remembered state, the marks it
used, which pair prices each held asset, and the equity and realised PnL it computed. With the
opening balances and the fills already in the log, that is everything the accounting read:
`bot.cycle.portfolio.verify` rebuilds the books from it and checks the equity, and the peak,
drawdown and daily PnL carried in `portfolio.equity`, cycle by cycle.

A symbol without a mark this cycle is recorded with its last known mark and that mark's time
(`carried_marks`, `bot.accounting.marks`), with the bound on their age the cycle applied; the
holdings valued at one are named in `valued_at_carried`. The next cycle carries from this
record, so carrying works across restarts too. Holdings whose last mark was too old are named in
`incomplete`: that cycle's equity moved no peak and no day.
Records written before marks were carried have neither field (`carried_marks` is None).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal

from bot.accounting import Books, Carry, Mark, Valuation
from bot.accounting.exact import exact_text
from bot.accounting.marks import known_marks
from bot.domain.json_fields import (
    decimal_field,
    int_field,
    map_field,
    object_map_field,
    text_field,
    text_list_field,
)

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
    carried_marks: Mapping[str, Mark] | None = None  # symbols without a mark -> their last known one
    max_mark_age_ms: int | None = None  # a carried mark older than this did not value anything
    valued_at_carried: tuple[str, ...] = ()  # held symbols valued at their carried mark
    incomplete: tuple[str, ...] = ()  # held symbols whose last mark was too old (left out)

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
        carry: Carry | None = None,
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
            carried_marks=None if carry is None else dict(carry.marks),
            max_mark_age_ms=None if carry is None else carry.max_age_ms,
            valued_at_carried=tuple(valuation.carried_marks),
            incomplete=tuple(valuation.stale_marks),
        )

    def carry(self) -> Carry:
        """The carried marks this cycle valued with (none for a record from before carrying)."""
        return Carry(marks=self.carried_marks or {}, now_ms=self.now_ms, max_age_ms=self.max_mark_age_ms or 0)

    def known_marks(self) -> dict[str, Mark]:
        """What the next cycle may carry: this cycle's marks as of its time, and those it carried."""
        return known_marks(self.marks, self.carry())

    def to_json(self) -> dict[str, object]:
        data: dict[str, object] = {
            "cycle_id": self.cycle_id,
            "now_ms": self.now_ms,
            "quote_asset": self.quote_asset,
            "day_boundary_offset_ms": self.day_boundary_offset_ms,
            "equity": exact_text(self.equity),
            "realized_pnl": exact_text(self.realized_pnl),
            "marks": {symbol: exact_text(mark) for symbol, mark in sorted(self.marks.items())},
            "asset_symbols": dict(sorted(self.asset_symbols.items())),
        }
        if self.carried_marks is not None:
            data["carried_marks"] = {s: m.to_json() for s, m in sorted(self.carried_marks.items())}
            data["max_mark_age_ms"] = self.max_mark_age_ms
            data["valued_at_carried"] = list(self.valued_at_carried)
            data["incomplete"] = list(self.incomplete)
        return data

    @classmethod
    def from_json(cls, data: Mapping[str, object]) -> ValuationRecord:
        """Raises StateFieldError (a ValueError) naming the missing or malformed field."""
        carried = "carried_marks" in data
        return cls(
            cycle_id=int_field(data, "cycle_id"),
            now_ms=int_field(data, "now_ms"),
            quote_asset=text_field(data, "quote_asset"),
            day_boundary_offset_ms=int_field(data, "day_boundary_offset_ms"),
            equity=decimal_field(data, "equity"),
            realized_pnl=decimal_field(data, "realized_pnl"),
            marks=map_field(data, "marks", decimal_field),
            asset_symbols=map_field(data, "asset_symbols", text_field),
            carried_marks=object_map_field(data, "carried_marks", Mark.from_json) if carried else None,
            max_mark_age_ms=int_field(data, "max_mark_age_ms") if carried else None,
            valued_at_carried=text_list_field(data, "valued_at_carried") if carried else (),
            incomplete=text_list_field(data, "incomplete") if carried else (),
        )
