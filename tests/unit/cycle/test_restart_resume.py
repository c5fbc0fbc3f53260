"""A restart resumes exactly: stage 7 stopped mid-run and started again on the same ledger makes
the decisions, places the orders and ends in the state an uninterrupted run does. The state it
resumes from is recorded incrementally (`StatePatched`), so this also proves the patches rebuild
the state the stage held in memory."""

from __future__ import annotations

import json
import sqlite3
from decimal import Decimal as D
from pathlib import Path

from bot.app.composition import build_runtime
from bot.config import Settings
from bot.config.schema import MarketDataSettings, PaperSettings, UniverseSettings
from bot.cycle.portfolio.memory import KEYS
from bot.cycle.portfolio.stage import PortfolioStage
from bot.cycle.run import run_cycle
from bot.obs.metrics import Metrics
from bot.store import Database
from bot.store.payloads import canonicalise, dumps

REPO = Path(__file__).resolve().parents[3]
CYCLES = 160


def settings() -> Settings:
    return Settings.model_validate(
        {
            "paper": PaperSettings(seed_balances={"TRY": D("100000")}),
            "market_data": MarketDataSettings(dataset=REPO / "replays" / "synthetic"),
            "universe": UniverseSettings(symbols=("BTCTRY", "ETHTRY", "XRPTRY")),
        }
    )


def run(path: Path, cycles: int) -> dict[str, object]:
    """One process's life: open the ledger, build the runtime, run `cycles` cycles, close.
    Returns the state the stage held in memory at the end, as it would write it."""
    db = Database.open(path)
    built = build_runtime(settings(), db, Metrics(), stage="7")
    try:
        for _ in range(cycles):
            run_cycle(built.runtime)
            assert built.advance is not None and built.advance()
        stage = built.runtime.stage
        assert isinstance(stage, PortfolioStage) and stage.memory is not None
        return {KEYS[name]: getattr(stage.memory, name).to_json() for name in KEYS}
    finally:
        built.runtime.close()
        db.close()


def outcome(path: Path) -> dict[str, object]:
    """What the runs did, without what legitimately differs between two ledgers (ids, wall time)."""
    with sqlite3.connect(path) as conn:
        ledger_id = conn.execute("SELECT value FROM state WHERE key = 'ledger.id'").fetchone()[0]
        decisions = [
            (cycle, symbol, side, kind, verdict, reason, price, final, (coid or "").replace(ledger_id, "L"))
            for cycle, symbol, side, kind, verdict, reason, price, final, coid in conn.execute(
                "SELECT cycle_id, symbol, side, kind, verdict, reason_code, price, final_quantity,"
                " client_order_id FROM decisions ORDER BY id"
            )
        ]
        fills = conn.execute(
            "SELECT symbol, side, price, quantity, ts_ms FROM fills ORDER BY ts_ms, trade_id"
        ).fetchall()
        state = {
            key: json.loads(value)
            for key, value in conn.execute("SELECT key, value FROM state WHERE key LIKE 'portfolio.%'")
        }
        patched = conn.execute("SELECT COUNT(*) FROM events WHERE type = 'StatePatched'").fetchone()[0]
    for observation in state["portfolio.anomaly"]["window"]:
        del observation["cycle_latency_ms"]  # wall time: it differs between any two runs
    return {"decisions": decisions, "fills": fills, "state": state, "patched": patched > 0}


def test_decisions_after_a_restart_equal_those_of_an_uninterrupted_run(tmp_path):
    in_memory = run(tmp_path / "straight.sqlite", CYCLES)
    run(tmp_path / "restarted.sqlite", CYCLES // 2)
    run(tmp_path / "restarted.sqlite", CYCLES - CYCLES // 2)

    straight, restarted = outcome(tmp_path / "straight.sqlite"), outcome(tmp_path / "restarted.sqlite")
    assert straight["patched"], "stage 7 records its windows as patches"
    assert len(straight["decisions"]) > CYCLES // 2 and straight["fills"], "the run traded"
    assert restarted == straight
    with sqlite3.connect(tmp_path / "straight.sqlite") as conn:
        stored = {
            key: json.loads(conn.execute("SELECT value FROM state WHERE key = ?", (key,)).fetchone()[0])
            for key in in_memory
        }
    assert stored == json.loads(dumps(canonicalise(in_memory))), "the ledger holds what the stage held"
