"""OpenTelemetry tracing: `configure_tracing("none" | "console")` and a `span()` helper.

The tracer provider is not installed globally (OpenTelemetry allows that only once per process);
`span()` uses the tracer from the last `configure_tracing` call, a no-op until then.
"""

from __future__ import annotations

import sys
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from decimal import Decimal
from typing import Literal, TextIO

from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import ConsoleSpanExporter, SimpleSpanProcessor
from opentelemetry.trace import NoOpTracer, Span, Tracer
from opentelemetry.util.types import AttributeValue

TracingKind = Literal["none", "console"]
SERVICE_NAME = "bot"

_active: dict[str, object] = {"tracer": NoOpTracer(), "provider": None}


def configure_tracing(kind: TracingKind = "none", stream: TextIO | None = None) -> Tracer:
    """Build the tracer. "none": spans cost nothing and go nowhere. "console": each finished span
    is written as JSON to `stream` (default stderr, keeping stdout for command output)."""
    shutdown_tracing()
    tracer: Tracer
    if kind == "none":
        tracer = NoOpTracer()
    elif kind == "console":
        provider = TracerProvider()
        exporter = ConsoleSpanExporter(service_name=SERVICE_NAME, out=stream or sys.stderr)
        provider.add_span_processor(SimpleSpanProcessor(exporter))
        _active["provider"] = provider
        tracer = provider.get_tracer(SERVICE_NAME)
    else:
        raise ValueError(f"unknown tracing kind {kind!r}; expected 'none' or 'console'")
    _active["tracer"] = tracer
    return tracer


def shutdown_tracing() -> None:
    """Flush and stop the active provider, if any; span() becomes a no-op."""
    provider = _active["provider"]
    if isinstance(provider, TracerProvider):
        provider.shutdown()
    _active["provider"] = None
    _active["tracer"] = NoOpTracer()


def _attribute(value: object) -> AttributeValue:
    if isinstance(value, (str, bool, int, float)):
        return value
    if isinstance(value, Sequence) and all(isinstance(v, str) for v in value):
        return [str(v) for v in value]
    return str(value) if not isinstance(value, Decimal) else format(value, "f")


@contextmanager
def span(name: str, **attrs: object) -> Iterator[Span]:
    """A span around a block, with attributes (Decimals and other values become strings)."""
    tracer = _active["tracer"]
    assert isinstance(tracer, Tracer)
    attributes = {key: _attribute(value) for key, value in attrs.items()}
    with tracer.start_as_current_span(name, attributes=attributes) as current:
        yield current
