"""JSON on the simulator's wire: an encoder that writes Decimals as exact JSON numbers, and the
BTCTurk response envelope (§3).

Types decide the JSON: a Decimal or int becomes a number (its canonical text, never through
float), a str a string. Payload builders choose per field, following §2.1.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from decimal import Decimal

from starlette.responses import Response

from bot.domain.money import canonical

JsonValue = object


def encode(value: JsonValue) -> str:
    """Serialise dicts, lists/tuples, str, int, bool, None and finite Decimals. Floats are refused."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, Decimal):
        if not value.is_finite():
            raise ValueError(f"cannot put a non-finite Decimal on the wire: {value}")
        return canonical(value)
    if isinstance(value, str):
        return json.dumps(value, ensure_ascii=False)
    if isinstance(value, Mapping):
        return (
            "{"
            + ",".join(f"{json.dumps(str(k), ensure_ascii=False)}:{encode(v)}" for k, v in value.items())
            + "}"
        )
    if isinstance(value, Sequence):
        return "[" + ",".join(encode(item) for item in value) + "]"
    raise TypeError(f"cannot encode {type(value).__name__} on the wire")


def text(value: Decimal) -> str:
    """A decimal as a wire string (canonical: no exponent, no trailing zeros)."""
    return canonical(value)


def json_response(payload: JsonValue, status_code: int = 200) -> Response:
    return Response(encode(payload).encode("utf-8"), status_code=status_code, media_type="application/json")


def ok(data: JsonValue, message: str | None = None) -> Response:
    return json_response({"success": True, "message": message, "code": 0, "data": data})


def fail(message: str, code: int, status_code: int = 400) -> Response:
    return json_response({"success": False, "message": message, "code": code}, status_code)


def unauthorized(message: str) -> Response:
    return json_response({"success": False, "message": message, "code": 401, "data": None}, 401)
