"""`bot backtest` end to end, in a process: the live stage-7 cycle over the bundled replay into a
fresh ledger, the report (every money figure checked against `bot ledger verify`), its files,
and the refusals."""

from __future__ import annotations

import csv
import json
import os

import pytest

from tests.integration.conftest import bot

pytestmark = pytest.mark.integration


def env() -> dict[str, str]:
    return {k: v for k, v in os.environ.items() if not k.startswith("BOT_")}


def test_a_stage_7_backtest_reports_verifies_and_writes_its_files(tmp_path):
    out = tmp_path / "bt"
    done = bot(
        ["backtest", "--out", str(out), "--json", "--set", "universe.symbols=BTCTRY,ETHTRY,XRPTRY"], env()
    )
    assert done.returncode == 0, done.stderr[-2000:]
    report = json.loads(done.stdout)
    assert report["schema"] == "bot-backtest/1" and report["stage"] == "7"
    assert report["cycles"]["total"] == 1439 and report["cycles"]["degraded"] == 0
    assert report["complete"] is True and report["stopped_by"] == "replay dataset exhausted"
    assert report["verify"] == {"ok": True, "problems": [], "figures_match": True}
    equity = report["equity"]
    for key in ("first", "last", "total_return", "buy_and_hold_return", "max_drawdown", "max_drawdown_cycles",
                "sharpe_per_period", "sortino_per_period", "exposure", "turnover", "period_ms"):  # fmt: skip
        assert equity[key] is not None, key
    assert equity["period_ms"] == 60_000
    assert report["trades"]["fills"] > 0 and len(report["fingerprint"]) == 64
    assert {d["reason_code"] for d in report["decisions"]} >= {"ok"}
    with (out / "trades.csv").open() as handle:
        assert len(list(csv.DictReader(handle))) == report["trades"]["fills"]
    with (out / "equity.csv").open() as handle:
        assert len(list(csv.DictReader(handle))) == report["cycles"]["total"]
    assert json.loads((out / "report.json").read_text()) == report
    assert (out / "report.html").read_text().count("plotly") > 10  # the dev install has the extra

    again = bot(["backtest", "--out", str(out)], env())
    assert again.returncode == 2 and "exists: a backtest writes a fresh ledger" in again.stderr


def test_a_stage_3_backtest_has_trades_but_no_equity_curve(tmp_path):
    done = bot(["backtest", "--stage", "3", "--out", str(tmp_path / "bt"), "--json"], env())
    assert done.returncode == 0, done.stderr[-2000:]
    report = json.loads(done.stdout)
    assert (
        "equity" not in report
        and report["verify"]["ok"] is True
        and report["verify"]["figures_match"] is None
    )
    text = bot(["backtest", "--stage", "3", "--out", str(tmp_path / "bt2")], env())
    assert text.returncode == 0 and "stage 3 over replays/synthetic: 1439 cycles" in text.stdout
    assert "ledger verify OK" in text.stdout


def test_a_missing_dataset_is_one_line_and_exit_2(tmp_path):
    done = bot(["backtest", "--dataset", str(tmp_path / "none"), "--out", str(tmp_path / "bt")], env())
    assert done.returncode == 2 and done.stderr.startswith("error: ") and "Traceback" not in done.stderr
    assert not (tmp_path / "bt" / "ledger.sqlite").exists(), "nothing written: the same --out works next time"


def test_from_and_to_replay_a_window_of_the_dataset(tmp_path):
    out = tmp_path / "bt"
    done = bot(
        [
            "backtest",
            "--stage",
            "3",
            "--out",
            str(out),
            "--from",
            "2024-01-01T06:00",
            "--to",
            "2024-01-01 12:00",
            "--json",
        ],
        env(),
    )
    assert done.returncode == 0, done.stderr[-2000:]
    report = json.loads(done.stdout)
    assert (
        report["cycles"]["total"] == 359 and report["complete"] is True
    )  # 360 steps: the first is the start
    assert report["cycles"]["first_ms"] == 1_704_088_860_000  # 06:01, the first step after 06:00
    assert report["dataset"] == str(out / "dataset")
    empty = bot(["backtest", "--out", str(tmp_path / "bt2"), "--from", "2030-01-01"], env())
    assert empty.returncode == 2 and "keep fewer than two steps" in empty.stderr
    assert not (tmp_path / "bt2" / "ledger.sqlite").exists()
