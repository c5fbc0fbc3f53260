"""OpenTelemetry tracing: `configure_tracing("none" | "console")` and a `span()` helper.

The tracer provider is not installed globally (OpenTelemetry allows that only once per process);
`span()` uses the tracer from the last `configure_tracing` call, a no-op until then.
OpenTelemetry is imported only when tracing is turned on: with "none" (the default) a span is
one shared inert object and a run never loads the SDK.
"""

from __future__ import annotations

import sys
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from decimal import Decimal
from typing import TYPE_CHECKING, Literal, Protocol, TextIO

if TYPE_CHECKING:
    from opentelemetry.sdk.trace import TracerProvider
    from opentelemetry.trace import Tracer
    from opentelemetry.util.types import AttributeValue

TracingKind = Literal["none", "console"]
SERVICE_NAME = "bot"


class TraceSpan(Protocol):
    """What `span()` yields: an OpenTelemetry span while tracing, an inert one otherwise."""

    def is_recording(self) -> bool: ...

    def set_attribute(self, key: str, value: AttributeValue) -> None: ...


class _InertSpan:
    """The span of a block while tracing is off: records nothing, like OpenTelemetry's no-op."""

    __slots__ = ()

    def is_recording(self) -> bool:
        return False

    def set_attribute(self, key: str, value: AttributeValue) -> None:
        return None


_INERT = _InertSpan()
# None while tracing is off: span() then costs one generator and no OpenTelemetry at all.
_tracer: Tracer | None = None
_provider: TracerProvider | None = None


def configure_tracing(kind: TracingKind = "none", stream: TextIO | None = None) -> None:
    """Turn tracing on or off. "none": spans cost nothing and go nowhere. "console": each finished
    span is written as JSON to `stream` (default stderr, keeping stdout for command output)."""
    global _tracer, _provider
    shutdown_tracing()
    if kind == "none":
        return
    if kind != "console":
        raise ValueError(f"unknown tracing kind {kind!r}; expected 'none' or 'console'")
    from opentelemetry.sdk.trace import TracerProvider
    from opentelemetry.sdk.trace.export import ConsoleSpanExporter, SimpleSpanProcessor

    provider = TracerProvider()
    exporter = ConsoleSpanExporter(service_name=SERVICE_NAME, out=stream or sys.stderr)
    provider.add_span_processor(SimpleSpanProcessor(exporter))
    _provider, _tracer = provider, provider.get_tracer(SERVICE_NAME)


def shutdown_tracing() -> None:
    """Flush and stop the active provider, if any; span() becomes a no-op."""
    global _tracer, _provider
    if _provider is not None:
        _provider.shutdown()
    _provider, _tracer = None, None


def _attribute(value: object) -> AttributeValue:
    if isinstance(value, (str, bool, int, float)):
        return value
    if isinstance(value, Sequence) and all(isinstance(v, str) for v in value):
        return [str(v) for v in value]
    return str(value) if not isinstance(value, Decimal) else format(value, "f")


@contextmanager
def span(name: str, **attrs: object) -> Iterator[TraceSpan]:
    """A span around a block, with attributes (Decimals and other values become strings)."""
    tracer = _tracer
    if tracer is None:
        yield _INERT
        return
    attributes = {key: _attribute(value) for key, value in attrs.items()}
    with tracer.start_as_current_span(name, attributes=attributes) as current:
        yield current
