"""Metrics live on their own registry and are served on a loopback port."""

from __future__ import annotations

import urllib.request

from bot.obs import METRIC_NAMES, Metrics, start_metrics_server


def test_fresh_registries_do_not_share_state() -> None:
    first, second = Metrics(), Metrics()
    first.cycles_total.labels(stage="stage3", status="ok").inc()
    assert b'bot_cycles_total{stage="stage3",status="ok"} 1.0' in first.exposition()
    assert b'status="ok"' not in second.exposition()


def test_server_on_port_zero_serves_every_metric_name() -> None:
    metrics = Metrics()
    metrics.cycle_duration_seconds.labels(stage="stage3").observe(0.2)
    metrics.decisions_total.labels(
        stage="stage3", verdict="rejected", reason_code="COOLDOWN", layer="risk_policy"
    ).inc()
    metrics.market_data_age_seconds.labels(symbol="BTCTRY").set(1.5)
    server, port = start_metrics_server(metrics, "127.0.0.1", 0)
    with server:
        assert port > 0
        assert server.url == f"http://127.0.0.1:{port}/metrics"
        with urllib.request.urlopen(server.url, timeout=5) as response:
            body = response.read().decode()
    for name in METRIC_NAMES:
        assert f"# TYPE {name} " in body, name
    assert 'reason_code="COOLDOWN"' in body
    assert 'bot_market_data_age_seconds{symbol="BTCTRY"} 1.5' in body


def test_metric_names_lists_every_metric_the_registry_exposes() -> None:
    exposed = {
        f"{family.name}_total" if family.type == "counter" else family.name
        for family in Metrics().registry.collect()
    }
    assert exposed == set(METRIC_NAMES)
