"""Exact Decimal arithmetic for accounting: sums and products that never round.

Decimal operators round to the calling thread's context (28 significant digits by default), so a
long ledger would lose money in its last digits. Accounting adds, subtracts and multiplies through
an unbounded context that traps any rounding instead. The one rounding it needs, an average cost
(a division), is done at a fixed precision by `average`, and its caller books the remainder.
"""

from __future__ import annotations

from collections.abc import Iterable
from decimal import (
    MAX_EMAX,
    MAX_PREC,
    MIN_EMIN,
    ROUND_HALF_EVEN,
    Context,
    Decimal,
    DivisionByZero,
    Inexact,
    InvalidOperation,
    Overflow,
    Rounded,
    localcontext,
)

from bot.domain.money import ZERO, canonical

AVERAGE_PRECISION = 28  # significant digits of an average cost, as Decimal's default context

_EXACT = Context(
    prec=MAX_PREC,
    Emax=MAX_EMAX,
    Emin=MIN_EMIN,
    traps=[InvalidOperation, DivisionByZero, Overflow, Inexact, Rounded],
)
_AVERAGE = Context(
    prec=AVERAGE_PRECISION,
    rounding=ROUND_HALF_EVEN,
    traps=[InvalidOperation, DivisionByZero, Overflow],
)


def total(*terms: Decimal) -> Decimal:
    """The exact sum of `terms` (0 for none)."""
    return total_of(terms)


def total_of(terms: Iterable[Decimal]) -> Decimal:
    """The exact sum of an iterable of Decimals (0 for an empty one)."""
    result = ZERO
    for term in terms:
        result = _EXACT.add(result, term)
    return result


def difference(minuend: Decimal, subtrahend: Decimal) -> Decimal:
    """minuend - subtrahend, exactly."""
    return _EXACT.subtract(minuend, subtrahend)


def product(a: Decimal, b: Decimal) -> Decimal:
    """a * b, exactly."""
    return _EXACT.multiply(a, b)


def average(amount: Decimal, count: Decimal) -> Decimal:
    """amount / count rounded half-even to AVERAGE_PRECISION significant digits (count != 0)."""
    return _AVERAGE.divide(amount, count)


def ratio(part: Decimal, whole: Decimal) -> Decimal:
    """part / whole for ratios (not money): rounded like an average (whole != 0)."""
    return _AVERAGE.divide(part, whole)


def exact_text(value: Decimal) -> str:
    """`canonical(value)` with every digit kept, however many (the default context keeps 28)."""
    with localcontext(_UNBOUNDED_TEXT):
        return canonical(value)


_UNBOUNDED_TEXT = Context(prec=MAX_PREC, Emax=MAX_EMAX, Emin=MIN_EMIN)
