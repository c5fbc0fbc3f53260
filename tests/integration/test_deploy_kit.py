"""The deployment kit in deploy/ is checked, not only shipped: the alert rules load and pass their
unit tests, every dashboard query parses and names only series the bot (or Prometheus) exports,
the exposition itself passes `promtool check metrics`, the systemd unit verifies, and the compose
file's bot configuration is one the bot accepts.

promtool comes from the test command's setup (scripts/tools.sh); without it those tests skip
and say why.
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from pathlib import Path

import pytest
import yaml

from bot.config import load_settings
from bot.obs.metrics import METRIC_NAMES, Metrics
from bot.store import Database
from bot.testing.cycles import CycleRun, cycle_settings

REPO = Path(__file__).resolve().parents[2]
DEPLOY = REPO / "deploy"
PROMTOOL = shutil.which("promtool")
needs_promtool = pytest.mark.skipif(
    PROMTOOL is None, reason="promtool not installed (scripts/tools.sh installs it as root with apt-get)"
)
_SERIES = re.compile(r"\b((?:bot|process|python)_[a-z0-9_]+|bot:[a-z0-9_:]+|up)\b")
HISTOGRAM_SUFFIXES = ("_bucket", "_sum", "_count")


def promtool(*args: str, stdin: str | None = None) -> subprocess.CompletedProcess[str]:
    assert PROMTOOL is not None
    return subprocess.run([PROMTOOL, *args], input=stdin, capture_output=True, text=True, timeout=60)


def exported_series() -> set[str]:
    """Every series name the bot's registry exposes (histograms with their suffixes), after a few
    stage-7 cycles, plus the recording rules of alerts.yml and Prometheus's own `up`."""
    metrics = Metrics()
    with CycleRun(cycle_settings({}), Database.in_memory(), stage="7", metrics=metrics) as run:
        run.cycles(3)
    names = set()
    for family in metrics.registry.collect():
        if family.type == "counter":
            names.add(f"{family.name}_total")
        elif family.type == "histogram":
            names |= {family.name} | {f"{family.name}{suffix}" for suffix in HISTOGRAM_SUFFIXES}
        else:
            names.add(family.name)
        names |= {sample.name for sample in family.samples}
    rules = yaml.safe_load((DEPLOY / "prometheus" / "alerts.yml").read_text())
    names |= {rule["record"] for group in rules["groups"] for rule in group["rules"] if "record" in rule}
    return names | {"up"}


def dashboard_queries() -> list[str]:
    dashboard = json.loads((DEPLOY / "grafana" / "bot.json").read_text())
    return [target["expr"] for panel in dashboard["panels"] for target in panel["targets"]]


@needs_promtool
def test_the_alert_rules_load_and_pass_their_unit_tests():
    checked = promtool("check", "rules", str(DEPLOY / "prometheus" / "alerts.yml"))
    assert checked.returncode == 0, checked.stdout + checked.stderr
    tested = promtool("test", "rules", str(DEPLOY / "prometheus" / "alerts_test.yml"))
    assert tested.returncode == 0, tested.stdout + tested.stderr


@needs_promtool
def test_the_prometheus_configuration_loads_with_its_rules():
    checked = promtool("check", "config", str(DEPLOY / "prometheus" / "prometheus.yml"))
    assert checked.returncode == 0, checked.stdout + checked.stderr


def test_there_is_an_alert_for_every_operator_condition_and_each_names_its_runbook():
    rules = yaml.safe_load((DEPLOY / "prometheus" / "alerts.yml").read_text())
    alerts = {rule["alert"]: rule for group in rules["groups"] for rule in group["rules"] if "alert" in rule}
    assert {
        "BotSloFailing", "BotDown", "BotStalled", "BotKillSwitchEngaged", "BotRiskModeObserve",
        "BotUnknownOrders", "BotBalanceDrift",
    } <= set(alerts)  # fmt: skip
    assert "bot_slo_status == 2" in alerts["BotSloFailing"]["expr"], "every SLO, through its status"
    for name, rule in alerts.items():
        runbook = rule["annotations"]["runbook"].split("#")[0]
        assert (REPO / runbook).is_file(), (name, runbook)
    table = (REPO / "runbooks" / "alerts.md").read_text()
    assert all(f"`{name}`" in table for name in alerts), "runbooks/alerts.md lists every alert"


@needs_promtool
def test_every_dashboard_query_parses_and_names_only_exported_series(tmp_path):
    queries = dashboard_queries()
    assert len(queries) >= 10
    rules = {
        "groups": [
            {
                "name": "dashboard",
                "rules": [{"record": f"dashboard:q{i}", "expr": q} for i, q in enumerate(queries)],
            }
        ]
    }
    with_rules = tmp_path / "dashboard-queries.yml"  # promtool parses a query where a rule holds it
    with_rules.write_text(yaml.safe_dump(rules))
    checked = promtool("check", "rules", str(with_rules))
    assert checked.returncode == 0, checked.stdout + checked.stderr
    known = exported_series()
    named = {name for query in queries for name in _SERIES.findall(query)}
    assert named - known == set(), "the dashboard queries series nothing exports"
    assert {"bot_slo_status", "bot_equity", "bot_exchange_requests_total"} <= named


@needs_promtool
def test_the_metrics_exposition_passes_promtool_check_metrics():
    metrics = Metrics()
    with CycleRun(cycle_settings({}), Database.in_memory(), stage="7", metrics=metrics) as run:
        run.cycles(3)
    checked = promtool("check", "metrics", stdin=metrics.exposition().decode())
    assert checked.returncode == 0 and not checked.stdout.strip(), checked.stdout + checked.stderr
    assert set(METRIC_NAMES) <= exported_series()


@pytest.mark.skipif(shutil.which("systemd-analyze") is None, reason="systemd-analyze not installed")
def test_the_systemd_unit_verifies(tmp_path):
    unit = (DEPLOY / "systemd" / "bot.service").read_text()
    assert "RestartPreventExitStatus=2 3 4 5" in unit and "LoadCredential=api_key:" in unit
    # systemd-analyze checks that the programs exist: point them at this checkout's `bot`.
    local = tmp_path / "bot.service"
    local.write_text(unit.replace("/opt/bot/.venv/bin/bot", str(REPO / ".venv" / "bin" / "bot")))
    verified = subprocess.run(
        ["systemd-analyze", "verify", "--man=no", str(local)], capture_output=True, text=True, timeout=60
    )
    assert verified.returncode == 0 and verified.stdout + verified.stderr == "", verified.stderr


def test_the_compose_file_runs_a_bot_configuration_the_bot_accepts():
    compose = yaml.safe_load((DEPLOY / "docker" / "compose.yml").read_text())
    services = compose["services"]
    assert {"exchange-sim", "bot", "prometheus", "grafana"} <= set(services)
    env = {k: str(v) for k, v in services["bot"]["environment"].items()}
    settings = load_settings(None, env).settings  # raises ConfigError on any key the bot refuses
    assert settings.market_data.feed == "websocket" and settings.mode == "paper"
    assert services["bot"]["command"][0] == "stage7-run"
    for service in services.values():
        for volume in service.get("volumes", []):
            source = volume.split(":")[0]
            if source.startswith("."):
                assert (DEPLOY / "docker" / source).resolve().exists(), source
    dockerfile = (DEPLOY / "docker" / "Dockerfile").read_text()
    for copied in re.findall(r"^COPY (.+) \S+$", dockerfile, re.MULTILINE):
        for path in copied.split():
            assert (REPO / path).exists(), path
