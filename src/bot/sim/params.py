"""Request parameters: query string, JSON body or form body, the query string winning (§2)."""

from __future__ import annotations

import json
from collections.abc import Mapping
from decimal import Decimal
from urllib.parse import parse_qsl

from starlette.requests import Request

from bot.domain.money import NotADecimal, to_decimal
from bot.exchange.matching import EngineReject, RejectToken


def bad_parameter(message: str) -> EngineReject:
    return EngineReject.of(RejectToken.FAILED_ORDER_PARAMETER, message)


async def request_params(request: Request) -> dict[str, object]:
    """Body parameters overlaid by query parameters. JSON numbers are read as Decimal."""
    body: dict[str, object] = {}
    raw = await request.body()
    if raw.strip():
        content_type = request.headers.get("content-type", "")
        if "application/x-www-form-urlencoded" in content_type:
            body = dict(parse_qsl(raw.decode("utf-8"), keep_blank_values=True))
        else:
            try:
                parsed = json.loads(raw, parse_float=Decimal)
            except (ValueError, UnicodeDecodeError) as e:
                raise bad_parameter(f"body is neither JSON nor a form: {e}") from e
            if not isinstance(parsed, dict):
                raise bad_parameter("JSON body must be an object")
            body = parsed
    return {**body, **dict(request.query_params)}


def decimal_param(params: Mapping[str, object], name: str) -> Decimal:
    """A required decimal given as a string or a JSON number."""
    if name not in params or params[name] in (None, ""):
        raise bad_parameter(f"{name} is required")
    try:
        return to_decimal(params[name], field=name)
    except NotADecimal as e:
        raise bad_parameter(str(e)) from e


def int_param(params: Mapping[str, object], name: str, default: int | None = None) -> int | None:
    """An optional integer (string or number); `default` when absent."""
    value = params.get(name)
    if value is None or value == "":
        return default
    try:
        return int(str(value))
    except ValueError as e:
        raise bad_parameter(f"{name} must be an integer, got {value!r}") from e
