"""Structured logging: one JSON object per line, with the run/cycle/symbol/order context bound by
`log_context` and event fields passed as `extra={"fields": {...}}` or through `log_event`.

    with log_context(run_id=run_id, cycle_id=cycle_id):
        log_event(logger, "decision", symbol="BTCTRY", verdict="rejected", price=Decimal("1.5"))

Decimals are written as strings; fields named like secrets are replaced by "***", and the
secret values given to `configure_logging` (any 6+ character part of them) are scrubbed from every
record, ours or a library's (`bot.obs.redaction`).
"""

from __future__ import annotations

import json
import logging
import re
import sys
from collections.abc import Iterable, Iterator, Mapping
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import asdict, is_dataclass
from datetime import UTC, datetime
from decimal import Decimal
from enum import Enum
from pathlib import Path
from typing import Any, Literal, TextIO

from bot.obs.redaction import SecretScrubber, install_record_scrubbing
from bot.obs.tracing import current_ids

CONTEXT_FIELDS = ("run_id", "cycle_id", "symbol", "client_order_id")
REDACTED = "***"
# Matches api_key, api_secret, private_key, password, access tokens, authorization, X-PCK and
# X-Signature headers. Deliberately not every "*key*"/"*token*": idempotency/action keys and the
# exchange's error token (e.g. FAILED_MIN_TOTAL_AMOUNT) are useful, not secret.
_SECRET_NAME = re.compile(
    r"secret|passw|(access|auth|bearer|refresh)[_\-]?token|authorization|signature|x-pck"
    r"|^key$|(^|[_\-.])(api|private|access|signing)[_\-]?key$",
    re.IGNORECASE,
)
_RESERVED = frozenset({"ts", "level", "logger", "event", "exc"})

_context: ContextVar[Mapping[str, object]] = ContextVar("bot_log_context", default={})  # noqa: B039


@contextmanager
def log_context(**fields: object) -> Iterator[None]:
    """Bind fields (run_id, cycle_id, symbol, client_order_id, ...) to every log record emitted in
    this block, in this thread or task. Nested blocks add to and override the outer ones."""
    token = _context.set({**_context.get(), **fields})
    try:
        yield
    finally:
        _context.reset(token)


def current_context() -> dict[str, object]:
    return dict(_context.get())


def log_event(logger: logging.Logger, event: str, *, level: int = logging.INFO, **fields: object) -> None:
    """Log a named event with structured fields (`event` is the message)."""
    logger.log(level, event, extra={"fields": fields}, stacklevel=2)


def is_secret_name(name: str) -> bool:
    return bool(_SECRET_NAME.search(name))


def redact(fields: Mapping[str, object]) -> dict[str, object]:
    """A copy with values of secret-looking keys replaced by "***", recursively."""
    out: dict[str, object] = {}
    for key, value in fields.items():
        if is_secret_name(str(key)):
            out[key] = REDACTED
        elif isinstance(value, Mapping):
            out[key] = redact(value)
        else:
            out[key] = value
    return out


def _jsonable(value: object) -> Any:
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, Path):
        return str(value)
    if is_dataclass(value) and not isinstance(value, type):
        return asdict(value)
    if isinstance(value, (set, frozenset, tuple)):
        return list(value)
    if type(value).__name__ == "SecretStr":
        return REDACTED
    return str(value)


def record_fields(record: logging.LogRecord) -> dict[str, object]:
    """Context fields then the record's own fields (the record wins), redacted."""
    fields = getattr(record, "fields", None)
    merged = {**_context.get(), **(fields if isinstance(fields, Mapping) else {})}
    return redact({k if k not in _RESERVED else f"field_{k}": v for k, v in merged.items()})


def _timestamp(record: logging.LogRecord) -> str:
    moment = datetime.fromtimestamp(record.created, tz=UTC)
    return moment.isoformat(timespec="milliseconds").replace("+00:00", "Z")


class _ScrubbingFormatter(logging.Formatter):
    """Scrubs every piece of text it writes: context and structured fields are set on a record
    after the record factory has scrubbed its message. Numbers are left alone: a run of digits
    that happens to match is no leak, and a JSON number must stay a number."""

    def __init__(self, scrubber: SecretScrubber | None = None) -> None:
        super().__init__()
        self._scrubber = scrubber

    def _text(self, value: object) -> Any:
        if isinstance(value, Decimal | int | float) or value is None:
            return value
        if isinstance(value, str):
            return self._scrubber.scrub(value) if self._scrubber else value
        if isinstance(value, Mapping):
            return {str(k): self._text(v) for k, v in value.items()}
        if isinstance(value, list | tuple | set | frozenset):
            return [self._text(v) for v in value]
        return self._text(_jsonable(value))

    def _exc(self, record: logging.LogRecord) -> str:
        return str(self._text(record.exc_text or self.formatException(record.exc_info)))  # type: ignore[arg-type]

    def _json(self, value: object) -> str:
        return json.dumps(self._text(value), default=_jsonable, ensure_ascii=False)


class JsonFormatter(_ScrubbingFormatter):
    """{"ts": ISO-8601 UTC, "level", "logger", "event", <context>, <fields>, "exc"?} on one line."""

    def format(self, record: logging.LogRecord) -> str:
        payload: dict[str, object] = {
            "ts": _timestamp(record),
            "level": record.levelname,
            "logger": record.name,
            "event": record.getMessage(),
            **record_fields(record),
        }
        ids = current_ids()  # inside a span being traced: its ids, to find the trace from the line
        if ids is not None:
            payload["trace_id"], payload["span_id"] = ids
        if record.exc_info:
            payload["exc"] = self._exc(record)
        return self._json(payload)


class TextFormatter(_ScrubbingFormatter):
    """`ts LEVEL logger event key=value ...` for humans at a terminal."""

    def format(self, record: logging.LogRecord) -> str:
        pairs = " ".join(f"{k}={self._json(v)}" for k, v in record_fields(record).items())
        event = self._text(record.getMessage())
        line = f"{_timestamp(record)} {record.levelname:<7} {record.name} {event} {pairs}"
        if record.exc_info:
            line += "\n" + self._exc(record)
        return line.rstrip()


class _BotHandler(logging.StreamHandler):  # type: ignore[type-arg]
    """Marks the handler configure_logging installed, so calling it again replaces, not adds."""


def configure_logging(
    level: str | int = "INFO",
    fmt: Literal["json", "text"] = "json",
    stream: TextIO | None = None,
    secrets: Iterable[str] = (),
) -> logging.Handler:
    """Route the root logger to `stream` (default stderr) in the given format. Idempotent: a second
    call replaces the handler installed by the first. Returns the handler.

    `secrets` (the API key and secret): no 6+ character part of them reaches any record made from
    now on, whichever logger or handler, nor a line this handler writes.
    """
    root = logging.getLogger()
    for handler in [h for h in root.handlers if isinstance(h, _BotHandler)]:
        root.removeHandler(handler)
    scrubber = install_record_scrubbing(secrets)
    handler = _BotHandler(stream if stream is not None else sys.stderr)
    handler.setFormatter(JsonFormatter(scrubber) if fmt == "json" else TextFormatter(scrubber))
    root.addHandler(handler)
    root.setLevel(level.upper() if isinstance(level, str) else level)
    return handler
