"""Observability: structured JSON logs with context, Prometheus metrics, OpenTelemetry traces."""

from bot.obs.logging import configure_logging, current_context, log_context, log_event
from bot.obs.metrics import METRIC_NAMES, Metrics, MetricsServer, start_metrics_server
from bot.obs.tracing import configure_tracing, shutdown_tracing, span

__all__ = [
    "METRIC_NAMES",
    "Metrics",
    "MetricsServer",
    "configure_logging",
    "configure_tracing",
    "current_context",
    "log_context",
    "log_event",
    "shutdown_tracing",
    "span",
    "start_metrics_server",
]
