"""Marks a valuation may use: this cycle's, and the last known ones of symbols that have none now.

A cycle whose market read failed for a held symbol still holds the asset. Leaving it out of
equity shows a loss that never happened (and a drawdown that trips the kill switch); so its last
known mark is carried over, for at most `max_age_ms`. Beyond that the mark says too little about
the asset's value: the holding is left out and the valuation is incomplete, which nothing may
read a loss from (`bot.accounting.valuation`).

Every cycle passes on what it knew (`known_marks`): its own marks as of its time, and the carried
marks of the symbols it had none for, with their original time. So a mark ages from the cycle
that observed it, however many cycles carry it.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal

from bot.accounting.exact import exact_text
from bot.domain.json_fields import decimal_field, int_field


@dataclass(frozen=True, slots=True, kw_only=True)
class Mark:
    """A symbol's mark (mid price in the quote asset) and the time of the cycle that observed it."""

    price: Decimal
    as_of_ms: int

    def __post_init__(self) -> None:
        if self.price <= 0:
            raise ValueError(f"price: must be > 0, got {self.price}")

    def age_ms(self, now_ms: int) -> int:
        return max(0, now_ms - self.as_of_ms)

    def to_json(self) -> dict[str, object]:
        return {"price": exact_text(self.price), "as_of_ms": self.as_of_ms}

    @classmethod
    def from_json(cls, data: Mapping[str, object]) -> Mark:
        """Raises ValueError (StateFieldError for a missing or malformed field) naming the field."""
        return cls(price=decimal_field(data, "price"), as_of_ms=int_field(data, "as_of_ms"))


@dataclass(frozen=True, slots=True, kw_only=True)
class Carry:
    """The last known marks a valuation at `now_ms` may fall back on, and how old one may be."""

    marks: Mapping[str, Mark] = field(default_factory=dict)  # symbol -> last known mark
    now_ms: int = 0
    max_age_ms: int = 0

    def __post_init__(self) -> None:
        if self.max_age_ms < 0:
            raise ValueError(f"max_age_ms: must be >= 0, got {self.max_age_ms}")

    def usable(self, symbol: str) -> Mark | None:
        """The carried mark of `symbol` if it is no older than `max_age_ms`."""
        mark = self.marks.get(symbol)
        if mark is None or mark.age_ms(self.now_ms) > self.max_age_ms:
            return None
        return mark


NO_CARRY = Carry()


def fresh_only(marks: Mapping[str, Decimal]) -> dict[str, Decimal]:
    """The marks that can value anything: a mark that is not positive counts as missing."""
    return {symbol: price for symbol, price in marks.items() if price > 0}


def carried_marks(previous: Mapping[str, Mark], marks: Mapping[str, Decimal]) -> dict[str, Mark]:
    """The last known marks (`previous`) of the symbols without a usable mark in `marks`."""
    fresh = fresh_only(marks)
    return {symbol: mark for symbol, mark in previous.items() if symbol not in fresh}


def known_marks(marks: Mapping[str, Decimal], carry: Carry) -> dict[str, Mark]:
    """What the next cycle may carry: `marks` as of `carry.now_ms`, else the mark carried."""
    known = dict(carry.marks)
    known.update({s: Mark(price=p, as_of_ms=carry.now_ms) for s, p in fresh_only(marks).items()})
    return known


def effective_marks(marks: Mapping[str, Decimal], carry: Carry) -> dict[str, Decimal]:
    """Every price a valuation with `carry` uses: the fresh marks, and usable carried ones."""
    prices = {symbol: mark.price for symbol in carry.marks if (mark := carry.usable(symbol)) is not None}
    prices.update(fresh_only(marks))
    return prices
