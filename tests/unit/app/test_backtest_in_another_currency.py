"""A backtest of a pair quoted in another currency than TRY: refused in one line (exit 2, no ledger)
while the settings are in TRY; with the account, the seed and the amounts in ETH it runs and
trades."""

from __future__ import annotations

import json
import math
from pathlib import Path

import pytest
from click.testing import CliRunner

from bot.cli.main import cli

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
