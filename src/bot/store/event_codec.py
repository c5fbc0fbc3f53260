"""How typed ledger events write and read their fields (`bot.store.ledger_events`): Decimals as
canonical strings, a float refused, lists of strings and the order side checked by name."""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal

from bot.domain.money import canonical
from bot.domain.orders import Side
from bot.store.payloads import Fields, JsonValue


def decimal_text(value: Decimal) -> str:
    # Typed fields are checked by mypy; this catches a float smuggled in at run time, as before.
    if type(value) is not Decimal:
        if isinstance(value, float):
            raise TypeError(f"float {value!r} refused in a ledger event; pass a Decimal")
        value = Decimal(value)
    if not value.is_finite():
        raise ValueError(f"{value} is not a finite decimal")
    return canonical(value)


def optional_decimal_text(value: Decimal | None) -> str | None:
    return None if value is None else decimal_text(value)


def decimal_texts(values: Mapping[str, Decimal]) -> dict[str, JsonValue]:
    return {str(key): decimal_text(value) for key, value in values.items()}


def text_list(fields: Fields, key: str) -> tuple[str, ...]:
    values = fields.raw(key)
    if not isinstance(values, list) or not all(isinstance(v, str) for v in values):
        raise fields.error(key, "a list of strings")
    return tuple(str(v) for v in values)


def side_of(fields: Fields) -> Side:
    try:
        return Side(fields.text("side"))
    except ValueError as e:
        raise fields.error("side", "'buy' or 'sell'") from e
