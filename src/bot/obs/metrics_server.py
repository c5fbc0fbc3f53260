"""Serving the metrics: `start_metrics_server` puts a `Metrics` registry on http://host:port/metrics
in a daemon thread, and an address that cannot be listened on is one clear error (exit 2).
"""

from __future__ import annotations

import errno
from dataclasses import dataclass
from threading import Thread
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from wsgiref.simple_server import WSGIServer

    from bot.obs.metrics import Metrics


@dataclass(frozen=True, slots=True)
class MetricsServer:
    """A running /metrics endpoint. `close()` stops it and frees the port."""

    server: WSGIServer
    thread: Thread
    host: str
    port: int

    @property
    def url(self) -> str:
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"http://{host}:{self.port}/metrics"

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()
        self.thread.join(timeout=5)

    def __enter__(self) -> MetricsServer:
        return self

    def __exit__(self, *_: object) -> None:
        self.close()


class MetricsAddressUnusable(Exception):
    """The /metrics endpoint cannot listen where the settings say: a configuration problem, named
    with the setting that changes it (the app maps it to exit 2)."""

    def __init__(self, host: str, port: int, problem: str, fix: str) -> None:
        self.host, self.port = host, port
        address = f"[{host}]:{port}" if ":" in host else f"{host}:{port}"
        super().__init__(f"cannot serve metrics on {address}: {problem}; {fix}")


class MetricsPortInUse(MetricsAddressUnusable):
    """Another process (often a second bot, or a Prometheus exporter) listens on the port."""


_PORT_FIX = (
    "set observability.metrics_port to a free port (--set observability.metrics_port=0 picks any "
    "free port) or observability.metrics_enabled = false"
)


def _unusable(host: str, port: int, error: OSError) -> MetricsAddressUnusable:
    if error.errno == errno.EADDRINUSE:
        return MetricsPortInUse(host, port, "the port is already in use by another process", _PORT_FIX)
    if error.errno == errno.EACCES:
        return MetricsAddressUnusable(
            host, port, "permission denied (ports below 1024 are privileged)", _PORT_FIX
        )
    return MetricsAddressUnusable(
        host,
        port,
        error.strerror or str(error),
        "set observability.metrics_host to an address of this machine (default 127.0.0.1)",
    )


def start_metrics_server(
    metrics: Metrics, host: str = "127.0.0.1", port: int = 9464
) -> tuple[MetricsServer, int]:
    """Serve `metrics.registry` on http://host:port/metrics in a daemon thread.

    `port=0` lets the OS pick a free port; the bound port is returned. Raises MetricsPortInUse if
    the port is taken, MetricsAddressUnusable for any other address that cannot be listened on.
    """
    from prometheus_client import start_http_server

    try:
        server, thread = start_http_server(port, addr=host, registry=metrics.registry)
    except OSError as e:
        raise _unusable(host, port, e) from e
    bound_port = int(server.server_address[1])
    return MetricsServer(server=server, thread=thread, host=host, port=bound_port), bound_port
