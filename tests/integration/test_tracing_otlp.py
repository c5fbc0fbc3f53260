"""`observability.tracing = "otlp"`: a daemon against the simulator exports its spans over
OTLP/HTTP to the collector the standard `OTEL_EXPORTER_OTLP_ENDPOINT` names. A receiver on
loopback decodes what arrives: a span per cycle phase, per exchange request and per ledger commit,
nested under the cycle, under a resource that names the service, its version, stage, mode and
ledger; and the JSON log lines written inside a span carry its trace and span ids.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import ExportTraceServiceRequest

import bot
from tests.integration.conftest import bot as run_bot
from tests.integration.conftest import bot_env

pytestmark = pytest.mark.integration


class Receiver(BaseHTTPRequestHandler):
    requests: list[tuple[str, bytes]]

    def do_POST(self) -> None:
        body = self.rfile.read(int(self.headers["Content-Length"]))
        self.server.requests.append((self.path, body))  # type: ignore[attr-defined]
        self.send_response(200)
        self.send_header("Content-Type", "application/x-protobuf")
        self.end_headers()
        self.wfile.write(b"")

    def log_message(self, format: str, *args: object) -> None:
        return None


@pytest.fixture
def collector() -> Iterator[ThreadingHTTPServer]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), Receiver)
    server.requests = []  # type: ignore[attr-defined]
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield server
    finally:
        server.shutdown()
        server.server_close()


def test_a_daemon_exports_its_spans_over_otlp(simulator, collector, tmp_path):
    port = collector.server_address[1]
    env = bot_env(
        simulator.url,
        tmp_path / "bot.sqlite",
        BOT_OBSERVABILITY__TRACING="otlp",
        BOT_OBSERVABILITY__METRICS_ENABLED="false",
        OTEL_EXPORTER_OTLP_ENDPOINT=f"http://127.0.0.1:{port}",
    )
    result = run_bot(["stage7-run", "--loop", "--max-cycles", "3", "--cycle-seconds", "0.05"], env)
    assert result.returncode == 0, result.stderr[-2000:]

    paths = {path for path, _ in collector.requests}  # type: ignore[attr-defined]
    assert paths == {"/v1/traces"}
    spans, resources = [], []
    for _, body in collector.requests:  # type: ignore[attr-defined]
        request = ExportTraceServiceRequest.FromString(body)
        for resource_spans in request.resource_spans:
            resources.append({a.key: a.value.string_value for a in resource_spans.resource.attributes})
            for scope in resource_spans.scope_spans:
                spans.extend(scope.spans)
    resource = resources[0]
    assert resource["service.name"] == "bot" and resource["service.version"] == bot.__version__
    assert resource["bot.stage"] == "7" and resource["bot.mode"] == "paper" and resource["bot.ledger_id"]

    names = [span.name for span in spans]
    assert names.count("cycle") == 3
    for phase in ("gather", "reconcile", "decide", "check", "record", "exchange.request", "ledger.commit"):
        assert phase in names, phase
    cycles = {span.span_id for span in spans if span.name == "cycle"}
    by_id = {span.span_id: span for span in spans}

    def under_a_cycle(span) -> bool:
        while span.parent_span_id:
            if span.parent_span_id in cycles:
                return True
            span = by_id.get(span.parent_span_id)
            if span is None:
                return False
        return False

    for name in ("gather", "decide", "check", "exchange.request", "ledger.commit"):
        assert any(under_a_cycle(s) for s in spans if s.name == name), name
    request = next(s for s in spans if s.name == "exchange.request")
    attributes = {a.key: a.value.string_value for a in request.attributes}
    assert attributes["outcome"] == "ok" and attributes["endpoint"].startswith(("GET ", "POST ", "DELETE "))

    traced = [json.loads(line) for line in result.stderr.splitlines() if '"trace_id"' in line]
    assert traced, "log lines inside a span carry its ids"
    trace_ids = {span.trace_id.hex() for span in spans}
    assert all(line["trace_id"] in trace_ids and len(line["span_id"]) == 16 for line in traced)
    assert any(line["event"] == "portfolio" for line in traced), "the cycle's own log lines, for one"
