"""Every command an operator or a script reads has `--json`: one JSON document on stdout, with
stable keys, money as exact strings. And `bot ledger show --view` answers what runbooks used to
ask of raw SQL."""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path

import pytest
from click.testing import CliRunner

from bot.cli.main import cli
from bot.testing.cycles import cycle_settings, run_on

REPO = Path(__file__).resolve().parents[3]
SETS = ("--set", "observability.metrics_enabled=false", "--set", "universe.symbols=BTCTRY,ETHTRY,XRPTRY")


@pytest.fixture(scope="module")
def ledger(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("json") / "bot.sqlite"
    settings = cycle_settings(
        {"BOT_UNIVERSE__SYMBOLS": '["BTCTRY","ETHTRY","XRPTRY"]'},
        dataset=REPO / "replays" / "synthetic",
        **{"store.path": str(path)},
    )
    run_on(path, settings, 150, stage="7")
    return path


def document(*args: str) -> object:
    result = CliRunner().invoke(cli, list(args))
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def test_ledger_show_json(ledger: Path):
    shown = document("ledger", "show", "--db", str(ledger), "--json")
    assert isinstance(shown, dict)
    assert set(shown) == {
        "ledger", "schema_version", "events", "last_hash", "balances", "positions", "orders_by_status",
        "working_orders", "foreign_open_orders", "balance_drift", "fills", "recent_cycles", "kill_switch",
        "portfolio", "ledger_id",
    }  # fmt: skip
    assert Decimal(shown["balances"]["TRY"]) > 0 and isinstance(shown["balances"]["TRY"], str)
    assert shown["portfolio"]["risk_budget_mode"] == "normal"
    assert shown["kill_switch"] == {
        "active": False, "engaged": False, "source": None, "reason": None, "since_ms": None,
        "expires_ms": None,
    }  # fmt: skip
    assert len(shown["recent_cycles"]) == 10 and shown["recent_cycles"][0]["cycle_id"] == 150


@pytest.mark.parametrize("view", ["fills", "decisions", "modes", "unknown"])
def test_each_view_is_rows_as_json_and_a_table_as_text(ledger: Path, view: str):
    rows = document("ledger", "show", "--db", str(ledger), "--view", view, "--json", "--limit", "5")
    assert isinstance(rows, list) and len(rows) <= 5
    text = CliRunner().invoke(cli, ["ledger", "show", "--db", str(ledger), "--view", view])
    assert text.exit_code == 0
    assert (f"{view} (" in text.stdout) if rows else (f"{view}: none" in text.stdout)


def test_the_decisions_view_counts_by_reason_code(ledger: Path):
    rows = document("ledger", "show", "--db", str(ledger), "--view", "decisions", "--json")
    assert isinstance(rows, list) and rows
    assert set(rows[0]) == {"verdict", "reason_code", "layer", "count", "last_cycle_id"}
    counts = [row["count"] for row in rows]
    assert counts == sorted(counts, reverse=True)


def test_ledger_verify_json_is_exact_and_the_text_is_rounded(ledger: Path):
    verified = document("ledger", "verify", "--db", str(ledger), "--json")
    assert isinstance(verified, dict)
    assert verified["ok"] is True and verified["problems"] == [] and verified["events"] > 150
    accounting = verified["accounting"]
    assert accounting["portfolio_cycles"] == 150 and accounting["quote_asset"] == "TRY"
    text = CliRunner().invoke(cli, ["ledger", "verify", "--db", str(ledger)]).stdout
    assert f"last equity {Decimal(accounting['equity']):.2f} TRY" in text


def test_kill_switch_json(ledger: Path, tmp_path: Path):
    copy = tmp_path / "copy.sqlite"
    copy.write_bytes(ledger.read_bytes())
    on = document("kill-switch", "on", "--reason", "test", "--db", str(copy), "--json")
    assert (
        isinstance(on, dict) and on["active"] is True and on["engaged"] is True and on["source"] == "operator"
    )
    status = document("kill-switch", "status", "--db", str(copy), "--json")
    assert status == on


def test_config_show_json_names_every_key_with_its_source_and_masks_secrets():
    result = CliRunner().invoke(
        cli,
        ["config", "show", "--json", "--set", "risk.max_orders_per_cycle=3"],
        env={"BOT_EXCHANGE__API_KEY": "k"},
    )
    shown = json.loads(result.stdout)
    assert shown["settings"]["risk.max_orders_per_cycle"] == {"value": 3, "source": "cli"}
    assert shown["settings"]["exchange.api_key"]["value"] == "***"
    assert shown["settings"]["exchange.api_secret"]["value"] is None


def test_a_run_ends_with_its_summary_as_json(tmp_path: Path):
    summary = document(
        "stage7-run",
        "--loop",
        "--max-cycles",
        "3",
        "--json",
        "--set",
        f"store.path={tmp_path / 'r.sqlite'}",
        *SETS,
    )
    assert isinstance(summary, dict)
    assert summary["cycles"] == 3 and summary["by_status"] == {"ok": 3} and summary["stage"] == "7"
    assert set(summary) == {
        "cycles", "by_status", "submitted", "counters", "last_cycle_id", "stage", "ledger", "metrics_port",
        "unresolved_orders",
    }  # fmt: skip
