"""Observability: structured JSON logs with context, Prometheus metrics, OpenTelemetry traces.

The names below are loaded on first use, not with the package: importing `bot.obs.logging`
must not bring in prometheus_client, nor anything bring in OpenTelemetry while tracing is off.
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from bot.obs.logging import configure_logging, current_context, log_context, log_event
    from bot.obs.metrics import METRIC_NAMES, Metrics
    from bot.obs.metrics_server import MetricsServer, start_metrics_server
    from bot.obs.tracing import configure_tracing, shutdown_tracing, span

_HOMES = {
    "METRIC_NAMES": "metrics",
    "Metrics": "metrics",
    "MetricsServer": "metrics_server",
    "configure_logging": "logging",
    "configure_tracing": "tracing",
    "current_context": "logging",
    "log_context": "logging",
    "log_event": "logging",
    "shutdown_tracing": "tracing",
    "span": "tracing",
    "start_metrics_server": "metrics_server",
}

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


def __getattr__(name: str) -> object:
    home = _HOMES.get(name)
    if home is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(import_module(f"{__name__}.{home}"), name)
    globals()[name] = value
    return value
