"""The window of recent cycles governance reads lives in memory: planning reads no cycles from
SQLite, and a restart restores the same window an uninterrupted run holds."""

from __future__ import annotations

from decimal import Decimal as D
from pathlib import Path

import pytest

from bot.app.composition import build_runtime
from bot.config import Settings
from bot.config.schema import MarketDataSettings, PaperSettings, UniverseSettings
from bot.cycle.recent_cycles import RecentCycles
from bot.cycle.run import run_cycle
from bot.domain.cycles import CycleOutcome, CycleStatus
from bot.domain.events import EventType
from bot.obs.metrics import Metrics
from bot.risk.cycle_history import consecutive_critical_errors
from bot.store import Database
from bot.store.ledger_events import from_mapping
from bot.store.run_repositories import CycleRepository

REPO = Path(__file__).resolve().parents[3]


def settings() -> Settings:
    return Settings.model_validate(
        {
            "paper": PaperSettings(seed_balances={"TRY": D("60000")}),
            "market_data": MarketDataSettings(dataset=REPO / "replays" / "synthetic"),
            "universe": UniverseSettings(symbols=("BTCTRY", "ETHTRY")),
        }
    )


def run(db: Database, n: int) -> RecentCycles:
    built = build_runtime(settings(), db, Metrics(), stage="7")
    for _ in range(n):
        run_cycle(built.runtime)
        assert built.advance is not None and built.advance()
    return built.runtime.recent_cycles


def test_stage7_planning_reads_the_cycles_table_once_not_every_cycle(monkeypatch):
    reads: list[int] = []
    original = CycleRepository.recent
    monkeypatch.setattr(CycleRepository, "recent", lambda self, n: reads.append(n) or original(self, n))
    run(Database.in_memory(), 12)
    assert len(reads) == 1, f"cycles table read {len(reads)} times in 12 cycles"


def test_the_window_after_a_restart_equals_the_window_of_an_uninterrupted_run(tmp_path):
    db = Database.open(tmp_path / "ledger.sqlite")
    kept = run(db, 8)
    in_memory = kept.newest_first(50)
    restored = RecentCycles(db).newest_first(50)  # a new process: nothing but the ledger
    assert [c.cycle_id for c in in_memory] == list(range(8, 0, -1))
    assert in_memory == restored


def test_the_running_cycle_is_not_its_own_history_but_an_interrupted_one_is():
    db = Database.in_memory()
    for cycle_id in (1, 2, 3):
        with db.unit_of_work() as uow:
            uow.record(
                from_mapping(
                    EventType.CYCLE_STARTED, {"cycle_id": cycle_id, "ts_ms": 0, "stage": "7", "mode": "paper"}
                )
            )
            if cycle_id == 1:
                uow.record(
                    from_mapping(
                        EventType.CYCLE_COMPLETED,
                        {
                            "cycle_id": 1,
                            "ts_ms": 1,
                            "duration_ms": 5,
                            "status": "failed",
                            "counters": {},
                            "max_data_age_ms": None,
                        },
                    )
                )
            uow.commit()
    # Cycle 2 was interrupted by a crash; cycle 3 is running now.
    window = RecentCycles(db).newest_first(10)
    assert [(c.cycle_id, c.status) for c in window] == [(2, CycleStatus.RUNNING), (1, CycleStatus.FAILED)]
    assert consecutive_critical_errors(window) == 1


def test_a_longer_window_reloads_once_and_completed_cycles_are_prepended():
    db = Database.in_memory()
    window = RecentCycles(db)
    assert window.newest_first(3) == []
    window.completed(1, CycleStatus.OK, 4, {"submitted": 1})
    window.completed(2, CycleStatus.DEGRADED, 6, {})
    assert [c.cycle_id for c in window.newest_first(3)] == [2, 1]
    assert window.newest_first(1) == [
        CycleOutcome(cycle_id=2, status=CycleStatus.DEGRADED, duration_ms=6, counters={})
    ]


@pytest.mark.parametrize(
    ("statuses", "errors", "expected"),
    [
        ([CycleStatus.FAILED, CycleStatus.FAILED, CycleStatus.OK, CycleStatus.FAILED], 0, 2),
        ([CycleStatus.RUNNING, CycleStatus.FAILED, CycleStatus.OK], 0, 1),
        ([CycleStatus.OK], 1, 1),
        ([CycleStatus.OK, CycleStatus.FAILED], 0, 0),
    ],
)
def test_consecutive_critical_errors_count_the_newest_run(statuses, errors, expected):
    window = [
        CycleOutcome(cycle_id=i, status=s, counters={"errors": errors} if i == 0 else {})
        for i, s in enumerate(statuses)
    ]
    assert consecutive_critical_errors(window) == expected
