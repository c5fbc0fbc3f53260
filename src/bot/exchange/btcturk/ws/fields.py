"""Field readers for WebSocket frame bodies: each names the field it could not read."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from bot.domain.money import to_decimal

Body = dict[str, Any]


class MalformedFrame(ValueError):
    """A frame that is not `[type, {...}]` or lacks / mistypes a field its type needs."""


def required(body: Body, key: str) -> Any:
    if key not in body or body[key] is None:
        raise MalformedFrame(f"{key}: missing")
    return body[key]


def string(body: Body, key: str) -> str:
    value = required(body, key)
    if not isinstance(value, str) or not value:
        raise MalformedFrame(f"{key}: expected a non-empty string")
    return value


def integer(body: Body, key: str) -> int:
    """An int sent as a number or a digit string."""
    value = required(body, key)
    if isinstance(value, bool):
        raise MalformedFrame(f"{key}: expected an integer")
    if isinstance(value, int):
        return value
    if isinstance(value, str) and value.strip().lstrip("-").isdigit():
        return int(value)
    if isinstance(value, Decimal) and value == value.to_integral_value():
        return int(value)
    raise MalformedFrame(f"{key}: expected an integer, got {value!r}")


def optional_ms(body: Body, key: str) -> int | None:
    """Epoch ms as a number or string (trade `D` is a string in captures); None when absent."""
    return None if body.get(key) is None else integer(body, key)


def decimal(body: Body, key: str) -> Decimal:
    return to_decimal(required(body, key), field=key)


def optional_decimal(body: Body, key: str) -> Decimal | None:
    value = body.get(key)
    return None if value is None else to_decimal(value, field=key)


def optional_text(body: Body, key: str) -> str | None:
    value = body.get(key)
    return None if value is None or value == "" else str(value)
