"""Metrics live on their own registry and are served on a loopback port."""

from __future__ import annotations

import socket
import urllib.request

import pytest

from bot.obs import METRIC_NAMES, Metrics, start_metrics_server
from bot.obs.metrics_server import MetricsAddressUnusable, MetricsPortInUse


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
    assert {name for name in exposed if name.startswith("bot_")} == set(METRIC_NAMES)
    # The standard process and platform collectors, on the bot's own registry.
    assert {"process_cpu_seconds_total", "process_resident_memory_bytes", "python_info"} <= exposed


def test_known_label_values_are_exported_at_zero_before_anything_happens() -> None:
    from bot.app.composition import build_runtime
    from bot.exchange.btcturk.requests import ENDPOINTS
    from bot.store import Database
    from bot.testing.cycles import cycle_settings

    metrics = Metrics()
    build_runtime(cycle_settings({"BOT_UNIVERSE__SYMBOLS": '["BTCTRY"]'}), Database.in_memory(), metrics, "7")
    body = metrics.exposition().decode()
    for endpoint in ENDPOINTS:
        assert f'bot_exchange_requests_total{{endpoint="{endpoint}",outcome="rate_limited"}} 0.0' in body
        assert f'bot_exchange_retries_total{{endpoint="{endpoint}"}} 0.0' in body
        assert (
            f'bot_exchange_request_errors_total{{endpoint="{endpoint}",error_class="Transient"}} 0.0' in body
        )
    assert 'bot_cycles_total{stage="7",status="failed"} 0.0' in body
    assert 'bot_orders_submitted_total{side="buy",symbol="BTCTRY"} 0.0' in body
    assert 'bot_slo_status{slo="retry_ratio"} 0.0' in body
    assert 'bot_build_info{mode="paper",stage="7",version=' in body


def test_every_request_builder_names_a_known_endpoint() -> None:
    from decimal import Decimal

    from bot.domain.orders import Side, SubmitOrder
    from bot.exchange.btcturk import requests as r

    order = SubmitOrder(
        client_order_id="c", symbol="BTCTRY", side=Side.BUY, price=Decimal(1), quantity=Decimal(1)
    )
    built = [
        r.server_time(), r.exchange_info(), r.ticker("BTCTRY"), r.order_book("BTCTRY", 5),
        r.balances(), r.open_orders(), r.all_orders("BTCTRY"), r.submit_order(order),
        r.cancel_order("1"), r.user_trades(0, 1), r.klines("BTCTRY", "1", 0, 59),
    ]  # fmt: skip
    assert sorted(request.endpoint for request in built) == sorted(r.ENDPOINTS)


def test_a_port_in_use_names_the_address_and_the_setting_and_exits_as_a_config_problem() -> None:
    from bot.app.errors import EXIT_CODES, classify

    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        with pytest.raises(MetricsPortInUse) as e:
            start_metrics_server(Metrics(), "127.0.0.1", port)
    assert str(e.value) == (
        f"cannot serve metrics on 127.0.0.1:{port}: the port is already in use by another process; "
        "set observability.metrics_port to a free port (--set observability.metrics_port=0 picks any "
        "free port) or observability.metrics_enabled = false"
    )
    kind = classify(e.value)
    assert kind == "config" and EXIT_CODES[kind] == 2


def test_an_address_not_on_this_machine_names_metrics_host() -> None:
    with pytest.raises(MetricsAddressUnusable, match=r"on 192\.0\.2\.1:0: .*set observability\.metrics_host"):
        start_metrics_server(Metrics(), "192.0.2.1", 0)  # TEST-NET-1: never a local address


def test_submit_latency_and_reconcile_lag_are_observed_per_cycle_that_measured_them() -> None:
    from bot.store import Database
    from bot.testing.cycles import CycleRun, cycle_settings

    metrics = Metrics()
    with CycleRun(cycle_settings({}), Database.in_memory(), stage="3", metrics=metrics) as run:
        results = run.cycles(80)
    submits = sum(1 for r in results if "submit_ms_max" in r.counters)
    fills = sum(1 for r in results if "reconcile_lag_ms_max" in r.counters)
    assert submits > 0 and fills > 0, "the bundled replay trades within 80 cycles"
    assert metrics.registry.get_sample_value("bot_submit_latency_seconds_count") == submits
    assert metrics.registry.get_sample_value("bot_reconcile_lag_seconds_count") == fills
