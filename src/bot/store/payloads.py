"""Canonical event payloads: JSON-ready values with Decimals as canonical strings.

The canonical JSON text (sorted keys, no spaces, UTF-8) is what the hash chain covers, so the
same payload always serialises to the same bytes.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from decimal import Decimal
from enum import Enum

from bot.domain.money import NotADecimal, canonical, to_decimal
from bot.store.errors import StoreError

JsonValue = None | bool | int | str | list["JsonValue"] | dict[str, "JsonValue"]
Payload = dict[str, JsonValue]


def canonicalise(payload: Mapping[str, object]) -> Payload:
    """A plain-JSON copy of `payload`.

    Decimal → canonical string, enum → its value, tuples → lists, nested mappings recursively.
    Raises TypeError for floats (they have already lost precision) and any other type, and
    ValueError for a non-finite Decimal.
    """
    return {_key(key): _value(value, str(key)) for key, value in payload.items()}


def dumps(payload: Payload) -> str:
    """The canonical JSON text of an already canonical payload."""
    return json.dumps(payload, sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False)


def loads(text: str) -> Payload:
    """Parse a stored payload. Numbers with a fraction would be floats, so they are refused."""
    value = json.loads(text, parse_float=_refuse_float)
    if not isinstance(value, dict):
        raise ValueError("an event payload must be a JSON object")
    return value


def _refuse_float(text: str) -> JsonValue:
    raise ValueError(f"float {text} in a stored payload (decimals must be strings)")


def _key(key: object) -> str:
    if isinstance(key, Enum):
        key = key.value
    if not isinstance(key, str):
        raise TypeError(f"payload keys must be strings, got {type(key).__name__} {key!r}")
    return key


# Where a value sits in the payload, formatted only for an error message: a top-level key, or
# (parent, key or list index). Formatting it for every value cost more than the rest of the walk.
_Path = str | tuple["_Path", str | int]


def _value(value: object, path: _Path) -> JsonValue:
    kind = type(value)
    if kind is str or kind is int or kind is bool or value is None:
        return value  # type: ignore[return-value]  # exactly these types, checked above
    if kind is Decimal:
        assert isinstance(value, Decimal)
        if not value.is_finite():
            raise ValueError(f"payload {_where(path)}: {value} is not a finite decimal")
        return canonical(value)
    if isinstance(value, Enum):
        return _value(value.value, path)
    if kind is dict or isinstance(value, Mapping):
        assert isinstance(value, Mapping)
        return {_key(k): _value(v, (path, str(k))) for k, v in value.items()}
    if kind is list or kind is tuple:
        assert isinstance(value, list | tuple)
        return [_value(item, (path, index)) for index, item in enumerate(value)]
    if isinstance(value, bool):  # subclasses of the plain types, as the plain type
        return bool(value)
    if isinstance(value, str):
        return str(value)
    if isinstance(value, int):
        return int(value)
    if isinstance(value, float):
        raise TypeError(
            f"payload {_where(path)}: float {value!r} refused; pass a Decimal or a decimal string"
        )
    if isinstance(value, Decimal):
        return _value(Decimal(value), path)
    raise TypeError(f"payload {_where(path)}: {kind.__name__} is not allowed in an event payload")


def _where(path: _Path) -> str:
    if isinstance(path, str):
        return path
    parent, key = path
    return f"{_where(parent)}[{key}]" if isinstance(key, int) else f"{_where(parent)}.{key}"


class Fields:
    """Typed reads from one event's canonical payload; a missing or mistyped key raises StoreError."""

    def __init__(self, event_type: str, payload: Payload) -> None:
        self._event_type = event_type
        self._payload = payload

    @property
    def event_type(self) -> str:
        return self._event_type

    def raw(self, key: str) -> JsonValue:
        return self._get(key)

    def text(self, key: str) -> str:
        value = self._get(key)
        if not isinstance(value, str):
            raise self._wrong(key, "a string", value)
        return value

    def optional_text(self, key: str) -> str | None:
        return None if self._payload.get(key) is None else self.text(key)

    def integer(self, key: str) -> int:
        value = self._get(key)
        if isinstance(value, bool) or not isinstance(value, int):
            raise self._wrong(key, "an integer", value)
        return value

    def optional_integer(self, key: str) -> int | None:
        return None if self._payload.get(key) is None else self.integer(key)

    def decimal(self, key: str) -> Decimal:
        try:
            return to_decimal(self._get(key), field=f"{self._event_type}.{key}")
        except NotADecimal as e:
            raise StoreError(str(e)) from e

    def optional_decimal(self, key: str) -> Decimal | None:
        return None if self._payload.get(key) is None else self.decimal(key)

    def mapping(self, key: str) -> dict[str, JsonValue]:
        value = self._get(key)
        if not isinstance(value, dict):
            raise self._wrong(key, "an object", value)
        return value

    def decimal_mapping(self, key: str) -> dict[str, Decimal]:
        nested = Fields(f"{self._event_type}.{key}", self.mapping(key))
        return {name: nested.decimal(name) for name in self.mapping(key)}

    def _get(self, key: str) -> JsonValue:
        if key not in self._payload:
            raise StoreError(f"{self._event_type} payload: {key!r} is missing")
        return self._payload[key]

    def error(self, key: str, expected: str) -> StoreError:
        return self._wrong(key, expected, self._payload.get(key))

    def _wrong(self, key: str, expected: str, value: JsonValue) -> StoreError:
        return StoreError(f"{self._event_type} payload: {key!r} must be {expected}, got {value!r}")
