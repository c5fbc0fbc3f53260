"""OpenTelemetry tracing: `configure_tracing("none" | "console" | "otlp")`, a `span()` helper and
`record_span()` for work measured elsewhere (an exchange request, a ledger commit).

The tracer provider is not installed globally (OpenTelemetry allows that only once per process);
`span()` uses the tracer from the last `configure_tracing` call, a no-op until then.
OpenTelemetry is imported only when tracing is turned on: with "none" (the default) a span is
one shared inert object and a run never loads the SDK.

"otlp" exports over OTLP/HTTP (protobuf) in batches; the endpoint, headers and timeout come from
the standard `OTEL_EXPORTER_OTLP_*` environment variables (default http://localhost:4318). Every
span carries the resource: `service.name = bot`, `service.version`, and what the caller adds
(the stage, the mode, the ledger id). JSON log lines emitted inside a span carry its `trace_id`
and `span_id` (`bot.obs.logging`).
"""

from __future__ import annotations

import sys
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from decimal import Decimal
from typing import TYPE_CHECKING, Literal, Protocol, TextIO

if TYPE_CHECKING:
    from opentelemetry.sdk.trace import TracerProvider
    from opentelemetry.trace import Tracer
    from opentelemetry.util.types import AttributeValue

TracingKind = Literal["none", "console", "otlp"]
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


def configure_tracing(
    kind: TracingKind = "none", stream: TextIO | None = None, *, resource: Mapping[str, str] | None = None
) -> None:
    """Turn tracing on or off. "none": spans cost nothing and go nowhere. "console": each finished
    span is written as JSON to `stream` (default stderr, keeping stdout for command output).
    "otlp": spans are batched to an OTLP/HTTP collector (`OTEL_EXPORTER_OTLP_*`). `resource`:
    attributes added to `service.name` and `service.version` (e.g. `bot.stage`, `bot.ledger_id`)."""
    global _tracer, _provider
    shutdown_tracing()
    if kind == "none":
        return
    if kind not in ("console", "otlp"):
        raise ValueError(f"unknown tracing kind {kind!r}; expected 'none', 'console' or 'otlp'")
    from opentelemetry.sdk.resources import Resource
    from opentelemetry.sdk.trace import SpanProcessor, TracerProvider
    from opentelemetry.sdk.trace.export import BatchSpanProcessor, SimpleSpanProcessor

    import bot

    attributes = {"service.name": SERVICE_NAME, "service.version": bot.__version__, **(resource or {})}
    provider = TracerProvider(resource=Resource.create(attributes))
    processor: SpanProcessor
    if kind == "console":
        from opentelemetry.sdk.trace.export import ConsoleSpanExporter

        processor = SimpleSpanProcessor(
            ConsoleSpanExporter(service_name=SERVICE_NAME, out=stream or sys.stderr)
        )
    else:
        from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter

        processor = BatchSpanProcessor(OTLPSpanExporter())
    provider.add_span_processor(processor)
    _provider, _tracer = provider, provider.get_tracer(SERVICE_NAME)


def tracing_enabled() -> bool:
    return _tracer is not None


def record_span(name: str, seconds: float, *, error: bool = False, **attrs: object) -> None:
    """A span for work that just ended and took `seconds` (timed by its owner, which does not
    import OpenTelemetry): a child of the current span, with status ERROR when `error`."""
    tracer = _tracer
    if tracer is None:
        return
    import time

    from opentelemetry.trace import Status, StatusCode

    end = time.time_ns()
    attributes = {key: _attribute(value) for key, value in attrs.items()}
    recorded = tracer.start_span(name, start_time=end - int(seconds * 1e9), attributes=attributes)
    if error:
        recorded.set_status(Status(StatusCode.ERROR))
    recorded.end(end_time=end)


def current_ids() -> tuple[str, str] | None:
    """(trace_id, span_id) of the span being recorded here, as hex; None outside one or untraced."""
    if _tracer is None:
        return None
    from opentelemetry import trace

    context = trace.get_current_span().get_span_context()
    if not context.is_valid:
        return None
    return f"{context.trace_id:032x}", f"{context.span_id:016x}"


def shutdown_tracing() -> None:
    """Flush and stop the active provider, if any; span() becomes a no-op."""
    global _tracer, _provider
    if _provider is not None:
        _provider.shutdown()  # flushes a batch processor's queue first
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


class TracingCallObserver:
    """The REST call engine's attempts (`bot.exchange.call_stats.CallObserver`) as spans:
    `exchange.request`, with the endpoint and outcome, status ERROR when no answer was used."""

    def attempt(self, endpoint: str, outcome: str, seconds: float) -> None:
        failed = outcome not in ("ok", "rejected")
        record_span("exchange.request", seconds, error=failed, endpoint=endpoint, outcome=outcome)

    def retry(self, endpoint: str) -> None:
        return None
