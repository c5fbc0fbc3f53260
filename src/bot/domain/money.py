"""Decimal helpers. Money, prices and quantities are Decimal everywhere; never float."""

from __future__ import annotations

from decimal import ROUND_CEILING, ROUND_FLOOR, Decimal, InvalidOperation, localcontext

ZERO = Decimal(0)


class NotADecimal(ValueError):
    """A value could not be read as a finite decimal."""


def to_decimal(value: object, *, field: str = "value") -> Decimal:
    """Parse a str/int/Decimal into a finite Decimal.

    Floats are refused: they have already lost precision. Raises NotADecimal naming `field`.
    """
    if isinstance(value, (bool, float)):
        raise NotADecimal(f"{field}: expected a decimal string or integer, got {type(value).__name__}")
    if isinstance(value, Decimal):
        result = value
    elif isinstance(value, int):
        result = Decimal(value)
    elif isinstance(value, str):
        try:
            result = Decimal(value.strip())
        except InvalidOperation as e:
            raise NotADecimal(f"{field}: {value!r} is not a decimal number") from e
    else:
        raise NotADecimal(f"{field}: expected a decimal, got {type(value).__name__}")
    if not result.is_finite():
        raise NotADecimal(f"{field}: {value!r} is not finite")
    return result


def canonical(value: Decimal) -> str:
    """The canonical TEXT form stored in the ledger: plain notation, no exponent, no trailing zeros."""
    if value == 0:
        return "0"
    return format(value.normalize(), "f")


def quantize_down(value: Decimal, scale: int) -> Decimal:
    """Round toward negative infinity to `scale` decimal places."""
    return value.quantize(Decimal(1).scaleb(-scale), rounding=ROUND_FLOOR)


def quantize_up(value: Decimal, scale: int) -> Decimal:
    """Round toward positive infinity to `scale` decimal places."""
    return value.quantize(Decimal(1).scaleb(-scale), rounding=ROUND_CEILING)


def floor_to_step(value: Decimal, step: Decimal) -> Decimal:
    """The largest multiple of `step` that is <= value (step > 0)."""
    return (value / step).to_integral_value(rounding=ROUND_FLOOR) * step


def ceil_to_step(value: Decimal, step: Decimal) -> Decimal:
    """The smallest multiple of `step` that is >= value (step > 0)."""
    return (value / step).to_integral_value(rounding=ROUND_CEILING) * step


def exact_product(a: Decimal, b: Decimal) -> Decimal:
    """a*b without context rounding (prices x quantities must be exact to the last digit)."""
    with localcontext() as ctx:
        ctx.prec = 60
        return a * b


def scale_of(value: Decimal) -> int:
    """Number of decimal places actually used by `value` (trailing zeros ignored)."""
    exponent = value.normalize().as_tuple().exponent
    assert isinstance(exponent, int)
    return max(0, -exponent)
