"""Decoding and classification shared by every parser (protocol §3, §8, §10). Sans-IO.

`open_envelope` turns (status, headers, body) into the envelope's `data` or raises the one
exception class the loop acts on; `classify` is that mapping for failed responses.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from decimal import Decimal
from typing import Any, TypeVar

from pydantic import TypeAdapter, ValidationError

from bot.exchange.btcturk.wire import Envelope
from bot.exchange.errors import (
    AuthError,
    ExchangeError,
    Fatal,
    MalformedPayload,
    RateLimited,
    Rejected,
    Transient,
)

T = TypeVar("T")

_ENVELOPE = TypeAdapter(Envelope)


def _refuse_constant(name: str) -> Any:
    raise ValueError(f"{name} is not a number")


def decode_json(body: bytes, endpoint: str) -> Any:
    """Parse JSON with every number that has a fraction as Decimal (never float)."""
    try:
        return json.loads(body, parse_float=Decimal, parse_constant=_refuse_constant)
    except (ValueError, UnicodeDecodeError) as e:
        raise MalformedPayload(f"body is not JSON: {e}", endpoint=endpoint, field="<body>") from e


def field_path(loc: tuple[int | str, ...], prefix: str = "") -> str:
    """('data', 0, 'bid') -> 'data[0].bid'."""
    path = prefix
    for part in loc:
        if isinstance(part, int):
            path += f"[{part}]"
        else:
            path = f"{path}.{part}" if path else part
    return path


def validate(adapter: TypeAdapter[T], value: object, endpoint: str, prefix: str = "data") -> T:
    """Validate `value` against a wire schema; the first error becomes a MalformedPayload naming its field."""
    try:
        return adapter.validate_python(value)
    except ValidationError as e:
        first = e.errors()[0]
        raise MalformedPayload(first["msg"], endpoint=endpoint, field=field_path(first["loc"], prefix)) from e


def _envelope_of(body: bytes, endpoint: str) -> Envelope:
    return validate(_ENVELOPE, decode_json(body, endpoint), endpoint, prefix="")


def _retry_after_s(headers: Mapping[str, str]) -> float | None:
    for name, value in headers.items():
        if name.lower() == "retry-after":
            try:
                seconds = float(value)  # a delay, not money: float is fine here
            except ValueError:
                return None  # an HTTP-date; the retry policy falls back to its own backoff
            return max(0.0, seconds)
    return None


def _message(body: bytes) -> str:
    try:
        payload = json.loads(body, parse_float=Decimal)
    except (ValueError, UnicodeDecodeError):
        return body[:200].decode("utf-8", errors="replace")
    if isinstance(payload, dict):
        return str(payload.get("message") or payload.get("details") or "")
    return ""


def classify(status: int, headers: Mapping[str, str], body: bytes, endpoint: str) -> ExchangeError:
    """The error class for a failed response (non-2xx, or 2xx with success=false).

    429 → RateLimited (with Retry-After seconds), 401/403 → AuthError, 5xx → Transient,
    404 and other 4xx → Fatal, 400/422/2xx with a success=false envelope → Rejected carrying the
    exchange's code and message token, an unparseable 400/422/2xx body → MalformedPayload.
    """
    if status == 429:
        return RateLimited(
            _message(body) or "rate limited", endpoint=endpoint, retry_after_s=_retry_after_s(headers)
        )
    if status in (401, 403):
        return AuthError(f"HTTP {status} {_message(body)}".rstrip(), endpoint=endpoint)
    if status >= 500:
        return Transient(f"HTTP {status} {_message(body)}".rstrip(), endpoint=endpoint)
    if status in (400, 422) or 200 <= status < 300:
        try:
            envelope = _envelope_of(body, endpoint)
        except MalformedPayload as e:
            return e
        if envelope.success:
            return MalformedPayload(f"HTTP {status} with success=true", endpoint=endpoint, field="success")
        token = envelope.message or ""
        return Rejected(token or f"HTTP {status}", endpoint=endpoint, code=envelope.code, token=token)
    return Fatal(f"HTTP {status} {_message(body)}".rstrip(), endpoint=endpoint)


def open_envelope(status: int, headers: Mapping[str, str], body: bytes, endpoint: str) -> Any:
    """The `data` of a successful enveloped response (may be None); raises the classified error otherwise."""
    if not 200 <= status < 300:
        raise classify(status, headers, body, endpoint)
    envelope = _envelope_of(body, endpoint)
    if not envelope.success:
        raise classify(status, headers, body, endpoint)
    return envelope.data
