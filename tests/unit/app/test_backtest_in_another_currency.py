"""A backtest of a pair quoted in another currency than TRY: refused in one line (exit 2, no ledger)
while the settings are in TRY; with the account, the seed and the amounts in ETH it runs and
trades. Cautions about the settings are logged as a run starts."""

from __future__ import annotations

import json
import logging
import math
from pathlib import Path

import pytest
from click.testing import CliRunner

from bot.app.setting_cautions import dataset_problem, setting_cautions
from bot.cli.main import cli
from bot.config import load_settings

IN_ETH = [
    "universe.symbols=XRPETH",
    "selection.fallback=XRPETH",
    "capital.quote_asset=ETH",
    "paper.seed_balances=ETH=10",
    "capital.cash_reserve_try=1",
    "strategy.entry_notional_try=0.5",
    "risk.max_notional_per_order_try=1",
    "risk.max_notional_per_cycle_try=2",
    "portfolio_risk.max_position_notional_try=3",
    "portfolio_risk.max_exposure_try=6",
    "self_financing.seed_capital_try=5",
]


def sets(assignments: list[str]) -> list[str]:
    return [arg for assignment in assignments for arg in ("--set", assignment)]


@pytest.fixture(scope="module")
def xrpeth(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Five hours of one-minute XRPETH bars swinging 2 % around 0.00025 ETH, imported by `bot
    replay-import` as any pair would be."""
    folder = tmp_path_factory.mktemp("xrpeth")
    lines = ["timestamp,open,high,low,close,volume"]
    for i in range(300):
        price = 0.00025 * (1 + 0.02 * math.sin(i / 10))
        lines.append(
            f"{1_704_067_200 + 60 * i},{price:.8f},{price * 1.001:.8f},{price * 0.999:.8f},{price:.8f},1000"
        )
    (folder / "xrpeth.csv").write_text("\n".join(lines) + "\n")
    done = CliRunner().invoke(
        cli, ["replay-import", str(folder / "xrpeth.csv"), str(folder / "ds"), "--symbol", "XRPETH"]
    )
    assert done.exit_code == 0, done.output
    return folder / "ds"


def backtest(dataset: Path, out: Path, assignments: list[str]) -> tuple[int, str, str]:
    args = ["backtest", "--dataset", str(dataset), "--out", str(out), "--json", *sets(assignments)]
    done = CliRunner().invoke(cli, args, env={"BOT_CONFIG": None})
    return done.exit_code, done.stdout, done.stderr


def test_settings_in_try_are_refused_in_one_line_before_any_ledger(xrpeth: Path, tmp_path: Path):
    code, stdout, stderr = backtest(xrpeth, tmp_path / "bt", ["universe.symbols=XRPETH"])
    assert code == 2 and stdout == ""
    assert stderr.count("\n") == 1 and stderr.startswith(
        "error: invalid configuration: universe.symbols XRPETH is quoted in ETH but capital.quote_asset"
        " is TRY and paper.seed_balances holds no ETH: set capital.quote_asset=ETH,"
        " paper.seed_balances=ETH=<amount>, selection.fallback=XRPETH and re-state in ETH"
    )
    assert not (tmp_path / "bt" / "ledger.sqlite").exists()


def test_with_the_account_in_eth_it_runs_and_trades(xrpeth: Path, tmp_path: Path):
    code, stdout, stderr = backtest(xrpeth, tmp_path / "bt", IN_ETH)
    assert code == 0, stderr[-2000:]
    report = json.loads(stdout)
    assert report["equity"]["quote_asset"] == "ETH" and report["equity"]["first"] == "10"
    assert report["trades"]["buys"] > 0 and report["trades"]["sells"] > 0
    assert report["verify"] == {"ok": True, "problems": [], "figures_match": True}
    assert "settings caution" not in stderr


def test_a_run_logs_its_cautions_as_it_starts(xrpeth: Path, tmp_path: Path, caplog: pytest.LogCaptureFixture):
    caplog.set_level(logging.WARNING, logger="bot")
    above_seed = [*IN_ETH, "risk.max_notional_per_order_try=20", "risk.max_notional_per_cycle_try=20"]
    code, _, stderr = backtest(xrpeth, tmp_path / "bt", above_seed)
    assert code == 0, stderr[-2000:]
    [detail] = [
        getattr(r, "fields", {})["detail"] for r in caplog.records if r.getMessage() == "settings caution"
    ]
    assert detail.startswith(
        "risk.max_notional_per_order_try (20 ETH) is above the paper account's whole seed"
    )


def test_cautions_read_the_step_from_the_configured_dataset(tmp_path: Path):
    hourly = tmp_path / "hourly"
    done = CliRunner().invoke(cli, ["replay-init", str(hourly), "--steps", "3", "--step-ms", "3600000"])
    assert done.exit_code == 0, done.output
    settings = load_settings(None, {}, {"market_data.dataset": str(hourly)}).settings
    assert [c.split(" ", 1)[0] for c in setting_cautions(settings)] == [
        "budget.data_age_observe_ms",
        "portfolio.max_sample_gap_ms",
    ]
    missing = load_settings(None, {}, {"market_data.dataset": str(tmp_path / "none")}).settings
    assert setting_cautions(missing) == []  # not a caution: a problem
    problem = dataset_problem(missing)
    assert problem is not None
    assert problem.startswith(
        f"market_data.dataset: {tmp_path / 'none'}/dataset.json: dataset.json not found"
    )
    result = CliRunner().invoke(cli, ["config", "check", "--set", f"market_data.dataset={tmp_path / 'none'}"])
    assert result.exit_code == 2
    assert result.stderr.startswith("error: invalid configuration: market_data.dataset:")
    assert setting_cautions(load_settings(None, {}, {"market_data.source": "exchange"}).settings) == []


def test_config_check_prints_the_cautions_and_carries_them_in_json(tmp_path: Path):
    above_seed = ["paper.seed_balances=TRY=1500", "market_data.source=exchange"]
    text = CliRunner().invoke(cli, ["config", "check", *sets(above_seed)])
    assert text.exit_code == 0
    warning = text.stdout.splitlines()[1]
    assert warning.startswith("warning: risk.max_notional_per_order_try (2000 TRY), ")
    assert "are above the paper account's whole seed of 1500 TRY" in warning
    shown = CliRunner().invoke(cli, ["config", "check", "--json", *sets(above_seed)])
    document = json.loads(shown.stdout)
    assert document["ok"] is True and len(document["warnings"]) == 1
    refused = CliRunner().invoke(cli, ["config", "check", "--json", "--set", "paper.seed_balances=TRY=5"])
    assert refused.exit_code == 2
    [only] = json.loads(refused.stdout)["problems"]
    assert only.startswith("capital.cash_reserve_try (1000 TRY) is at least the paper account's seed")
