"""Reading persisted strategy state back from JSON, with errors that name the bad field.

Every reader raises ValueError whose message starts with the dotted path of the bad field
(`anchors.BTCTRY.ema: missing`). Decimals are written as canonical strings, ints as ints.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from decimal import Decimal
from functools import partial
from typing import TypeVar

from bot.domain.money import canonical, to_decimal

T = TypeVar("T")


def read_mapping(data: Mapping[str, object], field: str) -> Mapping[str, object]:
    value = _require(data, field)
    if not isinstance(value, Mapping) or not all(isinstance(key, str) for key in value):
        raise ValueError(f"{field}: expected an object with string keys, got {type(value).__name__}")
    return value


def read_decimal(data: Mapping[str, object], field: str) -> Decimal:
    """A finite decimal stored as a canonical string (an int is accepted; a float is refused)."""
    return to_decimal(_require(data, field), field=field)


def read_int(data: Mapping[str, object], field: str) -> int:
    value = _require(data, field)
    if isinstance(value, bool) or not isinstance(value, int):
        raise ValueError(f"{field}: expected an integer, got {type(value).__name__}")
    return value


def read_str_tuple(data: Mapping[str, object], field: str) -> tuple[str, ...]:
    value = _require(data, field)
    if not isinstance(value, (list, tuple)) or not all(isinstance(item, str) for item in value):
        raise ValueError(f"{field}: expected a list of strings")
    return tuple(value)


def read_decimal_tuple(data: Mapping[str, object], field: str) -> tuple[Decimal, ...]:
    value = _require(data, field)
    if not isinstance(value, (list, tuple)):
        raise ValueError(f"{field}: expected a list of decimal strings, got {type(value).__name__}")
    return tuple(to_decimal(item, field=f"{field}[{index}]") for index, item in enumerate(value))


def read_int_map(data: Mapping[str, object], field: str) -> dict[str, int]:
    entries = read_mapping(data, field)
    return {key: _prefixed(field, partial(read_int, entries, key)) for key in entries}


def read_object_map(
    data: Mapping[str, object], field: str, decode: Callable[[Mapping[str, object]], T]
) -> dict[str, T]:
    """An object of objects, each decoded by `decode(value)`; errors carry `field.key.`."""
    entries = read_mapping(data, field)
    result: dict[str, T] = {}
    for key in entries:
        entry = _prefixed(field, partial(read_mapping, entries, key))
        result[key] = _prefixed(f"{field}.{key}", partial(decode, entry))
    return result


def decimals_to_json(values: tuple[Decimal, ...]) -> list[str]:
    return [canonical(value) for value in values]


def _prefixed(prefix: str, read: Callable[[], T]) -> T:
    try:
        return read()
    except ValueError as e:
        raise ValueError(f"{prefix}.{e}") from e


def _require(data: Mapping[str, object], field: str) -> object:
    if field not in data:
        raise ValueError(f"{field}: missing")
    return data[field]
