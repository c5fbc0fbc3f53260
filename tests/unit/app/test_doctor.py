"""`bot doctor` on ledgers written by real runs, in process: the verdict, each kind of finding,
the JSON document and the exit codes (0 healthy, 1 a failing check, 2 bad usage or configuration,
4 a ledger that cannot be used)."""

from __future__ import annotations

import json
import socket
import sqlite3
from pathlib import Path

import pytest
from click.testing import CliRunner

from bot.app.doctor import SCHEMA, DoctorReport, Finding, run_doctor
from bot.app.operator import kill_switch
from bot.cli.main import cli
from bot.config import Settings
from bot.obs.metrics import Metrics
from bot.obs.metrics_server import start_metrics_server
from bot.slo import SLO_NAMES
from bot.store import StoreError
from bot.testing.cycles import cycle_settings, run_on

REPO = Path(__file__).resolve().parents[3]


@pytest.fixture(scope="module")
def ledger(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Thirty stage-3 paper cycles over the bundled replay, as `bot run --loop --max-cycles 30`."""
    path = tmp_path_factory.mktemp("doctor") / "bot.sqlite"
    run_on(path, settings_for(path), 30)
    return path


def settings_for(path: Path, **overrides: object) -> Settings:
    return cycle_settings(
        {"BOT_OBSERVABILITY__METRICS_PORT": "0"},
        dataset=REPO / "replays" / "synthetic",
        **{"store.path": str(path), **overrides},
    )


def by_name(report: DoctorReport) -> dict[str, Finding]:
    return {f.name: f for f in report.findings}


def doctor_cli(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(cli, ["doctor", *args])
    return result.exit_code, result.stdout, result.stderr


def test_a_healthy_replay_passes_and_says_what_it_could_not_measure(ledger: Path):
    report = run_doctor(settings_for(ledger))
    findings = by_name(report)
    assert report.exit_code() == 0 and report.failing() == []
    assert [n for n in findings if n.startswith("slo.")] == [f"slo.{name}" for name in SLO_NAMES]
    assert findings["ledger.integrity"].status == "pass" and findings["ledger.integrity"].value > 100
    assert findings["slo.degraded_ratio"].value == 0 and findings["slo.degraded_ratio"].status == "pass"
    assert findings["slo.retry_ratio"].status == "no_data", "a paper replay makes no request"
    assert findings["slo.last_cycle_age_s"].status == "no_data", "a replay's clock is the dataset's"
    assert findings["exchange"].status == "skip"
    assert {findings[n].status for n in ("orders.unknown", "symbols.frozen", "kill_switch")} == {"pass"}


def test_the_json_document_has_a_stable_schema(ledger: Path):
    code, out, _ = doctor_cli("--db", str(ledger), "--json", "--set", "observability.metrics_port=0")
    document = json.loads(out)
    assert code == 0
    assert document["schema"] == SCHEMA and document["verdict"] == "pass"
    assert set(document) == {
        "schema",
        "version",
        "ledger",
        "window_s",
        "generated_ms",
        "verdict",
        "counts",
        "findings",
    }
    assert document["window_s"] == 3600
    for finding in document["findings"]:
        assert set(finding) == {"name", "status", "value", "threshold", "unit", "detail", "runbook"}
        assert finding["status"] in ("pass", "warn", "fail", "skip", "no_data")


def test_the_table_lists_failures_first_with_the_runbook_to_read(ledger: Path):
    with socket.socket() as squatter:  # another program on the metrics port: a failing check
        squatter.bind(("127.0.0.1", 0))
        squatter.listen()
        port = squatter.getsockname()[1]
        code, out, _ = doctor_cli(
            "--db", str(ledger), "--set", f"observability.metrics_port={port}", "--window", "2h"
        )
    assert code == 1
    rows = [line.split("│") for line in out.splitlines() if line.startswith("│")]
    statuses = [row[1].strip() for row in rows if row[1].strip()]
    assert statuses[0] == "FAIL" and "FAIL" not in statuses[1:]
    assert "runbooks/slo.md#metrics_port" in out
    assert "SLO window 7200 s" in out and "verdict: 1 check(s) fail" in out


def test_an_engaged_kill_switch_fails(tmp_path: Path):
    path = tmp_path / "bot.sqlite"
    run_on(path, settings_for(path), 3)
    kill_switch(settings_for(path), "on", "doctor test", None)
    findings = by_name(run_doctor(settings_for(path)))
    assert findings["kill_switch"].status == "fail"
    assert "engaged by operator: doctor test" in findings["kill_switch"].detail


def test_a_tampered_ledger_is_unusable_exit_4(tmp_path: Path):
    path = tmp_path / "bot.sqlite"
    run_on(path, settings_for(path), 3)
    with sqlite3.connect(path) as conn:
        conn.execute("DROP TRIGGER events_no_update")
        conn.execute(
            "UPDATE events SET payload = replace(payload, '\"ok\"', '\"okk\"') WHERE type = 'CycleCompleted'"
        )
    with pytest.raises(StoreError):
        run_doctor(settings_for(path))
    code, _, err = doctor_cli("--db", str(path))
    assert code == 4 and err.startswith("error: ") and len(err.strip().splitlines()) == 1


def test_a_missing_ledger_exits_4_and_bad_usage_exits_2(tmp_path: Path):
    code, _, err = doctor_cli("--db", str(tmp_path / "none.sqlite"))
    assert code == 4 and "no ledger at" in err
    code, _, err = doctor_cli("--window", "ten minutes")
    assert code == 2 and "expected a positive duration" in err
    code, _, err = doctor_cli("--set", "slo.retry_ratio=lots")
    assert code == 2 and "slo.retry_ratio" in err


def test_the_metrics_port_is_free_served_by_this_ledger_or_taken(ledger: Path):
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        free_port = probe.getsockname()[1]
    finding = by_name(run_doctor(settings_for(ledger, **{"observability.metrics_port": free_port})))[
        "metrics.port"
    ]
    assert finding.status == "pass" and "is free" in finding.detail

    with socket.socket() as squatter:
        squatter.bind(("127.0.0.1", 0))
        squatter.listen()
        port = squatter.getsockname()[1]
        finding = by_name(run_doctor(settings_for(ledger, **{"observability.metrics_port": port})))[
            "metrics.port"
        ]
    assert finding.status == "fail" and "another program" in finding.detail

    with sqlite3.connect(ledger) as conn:
        [(ledger_id,)] = conn.execute("SELECT value FROM state WHERE key = 'ledger.id'").fetchall()
    metrics = Metrics()
    metrics.ledger_info.labels(ledger_id=ledger_id).set(1)
    server, port = start_metrics_server(metrics, port=0)
    try:
        finding = by_name(run_doctor(settings_for(ledger, **{"observability.metrics_port": port})))[
            "metrics.port"
        ]
        assert finding.status == "pass" and "served by this ledger's daemon" in finding.detail
        other = Metrics()
        other.ledger_info.labels(ledger_id="another-ledger").set(1)
        server2, port2 = start_metrics_server(other, port=0)
        try:
            finding = by_name(run_doctor(settings_for(ledger, **{"observability.metrics_port": port2})))[
                "metrics.port"
            ]
            assert finding.status == "fail" and "another bot" in finding.detail
        finally:
            server2.close()
    finally:
        server.close()


def test_warnings_fail_only_when_strict():
    report = DoctorReport(
        ledger="x",
        window_s=60,
        generated_ms=0,
        findings=[
            Finding(name="a", status="pass"),
            Finding(name="b", status="warn"),
            Finding(name="c", status="no_data"),
        ],
    )
    assert report.exit_code() == 0 and report.exit_code(strict=True) == 1
    assert [f.name for f in report.ordered()] == ["b", "a", "c"]
    assert report.as_json()["verdict"] == "warn"


def damage(path: Path, table: str) -> None:
    """Overwrite the start of a leaf page of `table` (found with SQLite's dbstat)."""
    with sqlite3.connect(path) as conn:
        page_size = conn.execute("PRAGMA page_size").fetchone()[0]
        try:
            pages = [row[0] for row in conn.execute(
                "SELECT pageno FROM dbstat WHERE name = ? AND pagetype = 'leaf' ORDER BY pageno", (table,)
            )]  # fmt: skip
        except sqlite3.OperationalError:
            pytest.skip("this SQLite has no dbstat table to find a table's pages with")
    assert pages, f"{table} has no leaf page to damage"
    with path.open("r+b") as file:
        file.seek((pages[len(pages) // 2] - 1) * page_size)
        file.write(b"\xff" * 64)


def test_damage_beyond_the_fast_check_is_one_line_and_exit_4_and_full_finds_it(tmp_path: Path):
    path = tmp_path / "bot.sqlite"
    run_on(path, settings_for(path), 300)
    full = by_name(run_doctor(settings_for(path), full=True))["ledger.integrity"]
    assert full.status == "pass" and full.detail.startswith("ledger OK: ")
    copy = tmp_path / "copy.sqlite"
    copy.write_bytes(path.read_bytes())
    damage(path, "cycles")  # not a table the start-up check reads; the SLOs do
    code, _, err = doctor_cli("--db", str(path))
    assert code == 4 and err.startswith(f"error: {path} is damaged (") and len(err.strip().splitlines()) == 1
    damage(copy, "decisions")  # every decision is read to count them by reason code
    result = CliRunner().invoke(cli, ["ledger", "show", "--db", str(copy), "--view", "decisions"])
    assert result.exit_code == 4 and result.stderr.startswith(f"error: {copy} is damaged (")


def test_a_metrics_host_that_is_not_this_machines_cannot_be_probed_and_says_so(ledger: Path):
    settings = settings_for(
        ledger, **{"observability.metrics_host": "10.255.255.1", "observability.metrics_port": 9464}
    )
    finding = by_name(run_doctor(settings))["metrics.port"]
    assert finding.status == "warn" and finding.detail.startswith("cannot probe 10.255.255.1:9464 from here")
