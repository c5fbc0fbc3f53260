"""`bot.testing.cycles`: cycles in process through the real composition, stopping as the daemon
stops, resuming as a restarted daemon resumes."""

from __future__ import annotations

import itertools
from decimal import Decimal
from pathlib import Path

import pytest

from bot.replay import DEFAULT_PAIRS, generate, write_dataset
from bot.store import Database
from bot.testing import FakeClock
from bot.testing.cycles import CycleRun, cycle_settings, run_on

STEP_MS = 60_000


@pytest.fixture
def tiny_dataset(tmp_path: Path) -> Path:
    """Eight one-minute rows of BTCTRY: the first cycle starts one step in, so seven cycles."""
    path = tmp_path / "tiny"
    write_dataset(path, generate({"BTCTRY": DEFAULT_PAIRS["BTCTRY"]}, 8, STEP_MS, seed=4), "test")
    return path


def settings(dataset: Path, **overrides: object):
    return cycle_settings(
        {"BOT_UNIVERSE__SYMBOLS": '["BTCTRY"]'},
        dataset=dataset,
        **{"paper.seed_balances": '{"TRY": "10000"}', **overrides},
    )


def test_cycles_stop_when_the_replay_runs_out_as_the_daemon_does(tiny_dataset):
    with CycleRun(settings(tiny_dataset), Database.in_memory()) as run:
        results = run.cycles(100)
        assert run.exhausted and run.cycles(1) == []
        started = run.events("CycleStarted")
    assert [r.cycle_id for r in results] == list(range(1, 8))
    assert [e["cycle_id"] for e in started] == list(range(1, 8))
    assert {r.status for r in results} == {"ok"}


def test_a_second_run_on_the_same_ledger_resumes_where_the_first_stopped(tiny_dataset, tmp_path):
    path = tmp_path / "ledger.sqlite"
    first = run_on(path, settings(tiny_dataset), 3, stage="7")
    second = run_on(path, settings(tiny_dataset), 3, stage="7")
    assert [r.cycle_id for r in first + second] == [1, 2, 3, 4, 5, 6]
    with Database.open_readonly(path) as db:
        starts = [ts for (ts,) in db.connection.execute("SELECT started_ms FROM cycles ORDER BY cycle_id")]
    assert [b - a for a, b in itertools.pairwise(starts)] == [STEP_MS] * 5, "dataset time"


def test_the_operators_clock_is_the_fake_one(tiny_dataset):
    wall = FakeClock(1_700_000_000_000)
    with CycleRun(settings(tiny_dataset), Database.in_memory(), wall=wall) as run:
        assert run.runtime.wall is wall
        assert run.unresolved_at_start == 0


def test_settings_are_checked_as_the_cli_checks_them(tiny_dataset):
    from bot.config import ConfigError

    with pytest.raises(ConfigError, match=r"BOT_RISK__MAX_ORDERS_PER_CYCLE\?"):  # the suggested fix
        cycle_settings({"BOT_RISK__MAX_ORDERS_PER_CYCL": "2"}, dataset=tiny_dataset)
    # What stages 4 and 7 build from the settings is checked too, as `bot stage7-run` does.
    with pytest.raises(ConfigError, match=r"portfolio\.replace_drift_bps"):
        settings(tiny_dataset, **{"portfolio.replace_drift_bps": "1"})
    assert settings(tiny_dataset).paper.seed_balances["TRY"] == Decimal(10_000)
