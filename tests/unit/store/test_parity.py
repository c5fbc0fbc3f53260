"""Parity fingerprints (`bot.store.parity`): equal runs give equal fingerprints whatever their
ledger ids and times; a change of behaviour is named at the first cycle it shows; and the bundled
replay's fingerprints are pinned, so a change that alters what the bot decides or trades must
update them on purpose."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.store import Database
from bot.store.parity import canonical, compare, fingerprint
from bot.testing.cycles import CycleRun, cycle_settings

REPO = Path(__file__).resolve().parents[3]
CYCLES = 150
# Stage 3 and stage 7 over the first 150 steps of replays/synthetic with the shipped defaults
# (3 symbols). A behaviour change moves these: check that it is the change you meant, then update.
PINNED = {
    "3": "0129a704e424adc2d0d63fa853e8ee5194947274bb3d644676eefb83175667ce",
    "7": "6833ca63ad096605d11ca888a6f4a8328400db51e3c3b33d61cfe10f9b799d5d",
}


def run(stage: str, **overrides: object) -> Database:
    settings = cycle_settings(
        {"BOT_UNIVERSE__SYMBOLS": '["BTCTRY","ETHTRY","XRPTRY"]'},
        dataset=REPO / "replays" / "synthetic",
        **overrides,
    )
    database = Database.in_memory()
    with CycleRun(settings, database, stage=stage) as cycles:
        assert len(cycles.cycles(CYCLES)) == CYCLES
    return database


def test_times_exchange_ids_and_the_ledger_id_are_not_part_of_the_record():
    payload = {
        "client_order_id": "b7-1a2b3c4d-17-0",
        "exchange_order_id": "991",
        "trade_id": "5",
        "ts_ms": 1,
        "details": {"since_ms": 2, "note": "replaces b7-1a2b3c4d-16-1"},
        "price": "100",
    }
    assert canonical(payload) == {
        "client_order_id": "b7-*-17-0",
        "details": {"note": "replaces b7-*-16-1"},
        "price": "100",
    }


@pytest.mark.parametrize("stage", ["3", "7"])
def test_two_runs_of_the_same_replay_have_one_fingerprint_and_it_is_pinned(stage: str):
    first, second = fingerprint(run(stage)), fingerprint(run(stage))
    assert compare(first, second) is None and first.digest == second.digest
    assert first.counts.get("OrderFilled", 0) > 0, "the run trades: the fingerprint covers fills"
    assert first.digest == PINNED[stage], f"stage {stage} behaviour changed: {first.digest}"


def test_a_change_of_behaviour_is_named_at_the_first_cycle_it_shows():
    base = fingerprint(run("7"))
    changed = fingerprint(run("7", **{"portfolio.mean_reversion_band_ratio": "0.005"}))
    divergence = compare(base, changed)
    assert divergence is not None and divergence.cycle_id is not None
    first = next(
        i for i, (a, b) in enumerate(zip(base.cycles, changed.cycles, strict=True)) if a.digest != b.digest
    )
    assert divergence.cycle_id == base.cycles[first].cycle_id
    assert divergence.left != divergence.right
    assert f"cycle {divergence.cycle_id}" in divergence.describe()


def test_a_shorter_run_diverges_where_it_ends():
    long = fingerprint(run("3"))
    settings = cycle_settings(
        {"BOT_UNIVERSE__SYMBOLS": '["BTCTRY","ETHTRY","XRPTRY"]'}, dataset=REPO / "replays" / "synthetic"
    )
    database = Database.in_memory()
    with CycleRun(settings, database, stage="3") as cycles:
        cycles.cycles(100)
    divergence = compare(long, fingerprint(database))
    assert divergence is not None and divergence.cycle_id is None and divergence.index == 100
    assert divergence.left is not None and divergence.left.startswith("cycle 101 and 49 more")
    assert divergence.right is None
