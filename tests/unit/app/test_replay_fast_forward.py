"""A replay over a dataset with a year-long hole makes about as many cycles as the data has rows,
not a cycle for each of the 525,600 empty minutes: the composed replay clock jumps the gap
(`market_data.replay_max_gap_s`), and the status line's total counts what it will walk."""

from __future__ import annotations

import dataclasses
import logging
from pathlib import Path

import pytest

from bot.app.commands import _replay_cycles
from bot.app.composition import build_runtime
from bot.app.ledger_keys import REPLAY_CLOCK_KEY
from bot.config import Settings
from bot.config.schema import MarketDataSettings, UniverseSettings
from bot.cycle.run import run_cycle
from bot.domain.cycles import CycleStatus
from bot.domain.dataset import Dataset
from bot.obs.metrics import Metrics
from bot.replay import DEFAULT_PAIRS, generate, write_dataset
from bot.store import Database
from bot.store.ledger_events import StateChanged

MINUTE = 60_000
YEAR = 365 * 24 * 60 * MINUTE
ROWS = 60


def dataset_with_gap(tmp_path: Path, gap_ms: int) -> Path:
    """60 minute rows of BTCTRY; the last 30 come `gap_ms` later than a minute after the first 30."""
    whole = generate({"BTCTRY": DEFAULT_PAIRS["BTCTRY"]}, ROWS, MINUTE, seed=3)
    rows = tuple(
        dataclasses.replace(row, ts_ms=row.ts_ms + gap_ms) if index >= ROWS // 2 else row
        for index, row in enumerate(whole.rows["BTCTRY"])
    )
    path = tmp_path / "gap"
    write_dataset(path, Dataset(name="gap", step_ms=MINUTE, pairs=whole.pairs, rows={"BTCTRY": rows}), "test")
    return path


def settings(dataset: Path, **market_data: object) -> Settings:
    return Settings.model_validate(
        {
            "market_data": MarketDataSettings.model_validate({"dataset": dataset, **market_data}),
            "universe": UniverseSettings(symbols=("BTCTRY",)),
        }
    )


def test_a_year_long_hole_costs_one_cycle_not_525600(tmp_path: Path, caplog: pytest.LogCaptureFixture):
    configured = settings(dataset_with_gap(tmp_path, YEAR))
    db = Database.open(tmp_path / "ledger.sqlite")
    built = build_runtime(configured, db, Metrics(), stage="3")
    assert built.advance is not None
    statuses = []
    try:
        with caplog.at_level(logging.WARNING, logger="bot.replay.fast_forward"):
            while len(statuses) <= 2 * ROWS:  # a bound, so a clock that walks the year fails fast
                statuses.append(run_cycle(built.runtime).status)
                if not built.advance():
                    break
    finally:
        built.runtime.close()
        db.close()
    # Rows 2..60 each get a cycle, and one more runs on the stale row just before the hole ends.
    assert len(statuses) == ROWS
    assert CycleStatus.FAILED not in statuses
    assert [record.levelno for record in caplog.records] == [logging.WARNING]
    assert "(365d 0h 1m)" in caplog.records[0].getMessage()  # last row to next row
    assert _replay_cycles(configured) == ROWS  # the status line's total


def test_zero_walks_every_empty_step_and_a_restart_in_a_hole_lands_past_it(tmp_path: Path):
    path = dataset_with_gap(tmp_path, 3 * 60 * MINUTE)  # three hours without rows

    def advances(db: Database, **market_data: object) -> int:
        built = build_runtime(settings(path, **market_data), db, Metrics(), stage="3")
        assert built.advance is not None
        try:
            count = 1
            while built.advance():
                count += 1
            return count
        finally:
            built.runtime.close()

    with Database.in_memory() as db:
        assert advances(db, replay_max_gap_s=0) == ROWS - 1 + 180
    with Database.in_memory() as db:
        assert advances(db) == ROWS  # the default limit is an hour
    with Database.in_memory() as db:
        start = generate({"BTCTRY": DEFAULT_PAIRS["BTCTRY"]}, 1, MINUTE, seed=3).start_ms
        with db.unit_of_work() as uow:  # a run that stopped on the last row before the hole
            saved = str(start + (ROWS // 2 - 1) * MINUTE)
            uow.record(StateChanged(key=REPLAY_CLOCK_KEY, value=saved, ts_ms=0))
            uow.commit()
        assert advances(db) == 1 + ROWS // 2  # the stale cycle, then the 30 rows after the hole
