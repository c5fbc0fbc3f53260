"""The drills fail when what they prove is broken: a drill that stays green with its behaviour
removed would prove nothing."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from bot.cli.main import cli
from bot.drill.catalogue import crash, flaky_submit, retry_storm, sell_off, stale_data
from bot.execution import recovery, uncertain

QUIET = {"observability.log_level": "CRITICAL"}


def failing(result: object) -> list[str]:
    return [c.expected for c in result.checks if not c.ok]  # type: ignore[attr-defined]


def test_a_breaker_that_never_opens_fails_the_retry_storm(tmp_path: Path) -> None:
    result = retry_storm(tmp_path, 7, {**QUIET, "exchange.breaker_failure_threshold": "1000"})
    assert failing(result) == ["the circuit breaker opens during the storm and closes after it"]


def test_a_budget_blind_to_data_age_fails_the_stale_data_drill(tmp_path: Path) -> None:
    blind = {"budget.data_age_reduce_ms": "10000000", "budget.data_age_observe_ms": "10000000"}
    result = stale_data(tmp_path, 7, {**QUIET, **blind})
    assert failing(result) == ["the budget and the anomaly governor go to OBSERVE in both stalls"]


def test_a_restart_without_startup_recovery_fails_the_crash_drill(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(recovery, "recover", lambda database, resolver: 0)
    result = crash(tmp_path, 7, QUIET)
    assert [c.expected for c in result.checks if not c.ok] == [
        "killed at after_write_ahead, restarted: nothing lost or duplicated, ledger verifies"
    ]
    assert "1 pending or uncertain" in next(c.observed for c in result.checks if not c.ok)


def test_a_failing_drill_exits_1_and_names_it_and_keeps_its_ledger(tmp_path: Path) -> None:
    result = CliRunner().invoke(
        cli,
        [
            "drill",
            "run",
            "retry-storm",
            "--out",
            str(tmp_path),
            "--set",
            "exchange.breaker_failure_threshold=1000",
        ],
    )
    assert result.exit_code == 1
    assert (tmp_path / "retry-storm" / "ledger.sqlite").is_file()
    assert result.stdout.strip().splitlines()[-1].startswith("1 drills: 0 passed, 1 failed (retry-storm)")
    assert "FAIL" in result.stdout


def test_uncertain_orders_that_are_never_escalated_fail_the_flaky_submit_drill(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(uncertain.UncertainResolver, "_record_not_found", lambda self, uow, order: None)
    result = flaky_submit(tmp_path, 7, QUIET)
    assert failing(result) == [
        "every uncertain submit is found by lookup or escalated to unknown (symbol frozen)",
        "nothing left in flight: every order written ahead is resolved or escalated",
    ]


def test_a_budget_that_never_tightens_fails_the_sell_off_drill(tmp_path: Path) -> None:
    loose = {
        "budget.daily_loss_reduce_ratio": "0.9",
        "budget.daily_loss_observe_ratio": "0.95",
        "budget.drawdown_reduce_ratio": "0.9",
        "budget.drawdown_observe_ratio": "0.95",
        "budget.volatility_halving_bps": "100000",
        "budget.volatility_observe_bps": "100000",
    }
    result = sell_off(tmp_path, 7, {**QUIET, **loose})
    assert failing(result) == [
        "the budget goes NORMAL -> REDUCE -> OBSERVE in the sell-off and back to NORMAL",
        "the stricter modes are enforced (orders refused as reduce-only or observe-only)",
    ]
