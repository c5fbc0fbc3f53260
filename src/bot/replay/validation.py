"""Row rules every replay dataset obeys, shared by the loader, the writer and the importers.

A check returns a `Problem` (what is wrong, how to fix it) instead of raising, so each caller can
say *where* (file and line on load, symbol and index on write) in its own `DatasetError`.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from bot.domain.dataset import MarketRow
from bot.domain.money import scale_of
from bot.domain.symbols import PairRules

_PRICE_FIELDS = ("bid", "ask", "last")
_BOOK_QTY_FIELDS = ("bid_qty", "ask_qty")
_QUANTA = tuple(Decimal(1).scaleb(-scale) for scale in range(19))


@dataclass(frozen=True, slots=True, kw_only=True)
class Problem:
    what: str
    fix: str


def fits_scale(value: Decimal, scale: int) -> bool:
    """True when `value` needs at most `scale` decimal places (trailing zeros do not count)."""
    try:
        return value % _QUANTA[scale] == 0  # exact; the fast path for every row
    except (IndexError, InvalidOperation):  # a scale past the table, or a quotient past precision
        return scale_of(value) <= scale


def check_row(rules: PairRules, row: MarketRow, previous_ts_ms: int | None) -> Problem | None:
    """The first rule `row` breaks, or None when it is a valid row after `previous_ts_ms`."""
    return (
        _check_time(row, previous_ts_ms)
        or _check_prices(rules, row)
        or _check_book(row)
        or _check_quantities(rules, row)
    )


def _check_time(row: MarketRow, previous_ts_ms: int | None) -> Problem | None:
    if row.ts_ms < 0:
        return Problem(what=f"ts_ms {row.ts_ms} is negative", fix="use epoch milliseconds (UTC)")
    if previous_ts_ms is not None and row.ts_ms <= previous_ts_ms:
        return Problem(
            what=f"ts_ms {row.ts_ms} is not after the previous row's ts_ms {previous_ts_ms}",
            fix="sort the rows by ts_ms and drop duplicates (timestamps must strictly increase)",
        )
    return None


def _check_prices(rules: PairRules, row: MarketRow) -> Problem | None:
    for name in _PRICE_FIELDS:
        price: Decimal = getattr(row, name)
        if price <= 0:
            return Problem(what=f"{name} {price} is not positive", fix="prices must be > 0; drop the row")
        if not fits_scale(price, rules.price_scale):
            return Problem(
                what=f"{name} {price} has too many decimals for price_scale {rules.price_scale}",
                fix="round prices to the pair's price scale (bid down, ask up) or correct price_scale "
                "in dataset.json",
            )
        if not _on_tick(price, rules.tick_size):
            return Problem(
                what=f"{name} {price} is not a multiple of {rules.symbol}'s tick_size {rules.tick_size}",
                fix="round prices to the tick (bid down, ask up) or correct tick_size in dataset.json",
            )
        if not rules.min_price <= price <= rules.max_price:
            return Problem(
                what=f"{name} {price} is outside {rules.symbol}'s band "
                f"[{rules.min_price}, {rules.max_price}]",
                fix="widen min_price/max_price in dataset.json or correct the price",
            )
    return None


def _on_tick(price: Decimal, tick_size: Decimal) -> bool:
    try:
        return price % tick_size == 0
    except InvalidOperation:  # the quotient has more digits than the context holds: absurd price
        return False


def _check_book(row: MarketRow) -> Problem | None:
    if row.bid >= row.ask:
        return Problem(
            what=f"bid {row.bid} is not below ask {row.ask} (crossed or locked book)",
            fix="check the bid/ask columns are not swapped; a replay book must have bid < ask",
        )
    return None


def _check_quantities(rules: PairRules, row: MarketRow) -> Problem | None:
    for name in _BOOK_QTY_FIELDS:
        quantity: Decimal = getattr(row, name)
        if quantity <= 0:
            return Problem(
                what=f"{name} {quantity} is not positive",
                fix="top-of-book quantities must be > 0 (an empty side cannot be replayed); drop the row",
            )
    if row.volume < 0:
        return Problem(what=f"volume {row.volume} is negative", fix="volume is base volume per step, >= 0")
    for name in (*_BOOK_QTY_FIELDS, "volume"):
        quantity = getattr(row, name)
        if not fits_scale(quantity, rules.quantity_scale):
            return Problem(
                what=f"{name} {quantity} has more decimals than {rules.symbol}'s quantity_scale "
                f"{rules.quantity_scale}",
                fix="round quantities down to the pair's quantity scale or correct quantity_scale "
                "in dataset.json",
            )
    return None
