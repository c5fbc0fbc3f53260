"""Stage 7 through a sell-off, in process, on a small dataset this file writes: the in-repo twin of
`tests/integration/test_stage7_replay.py`, which runs the real January 2022 month when it is
beside the repository (and skips, saying so, when it is not).

The market: eight calm hours, a slide of 10 % in twenty minutes, forty minutes of violent swings
down to 74 % of the start, a two-hour climb back, and calm past midnight (UTC) so the day's loss
resets. A paper account holding only lira buys the slide (mean reversion), and:
- the risk budget goes NORMAL -> REDUCE/OBSERVE during the sell-off, and back to NORMAL once the
  market is calm, each transition recorded with its cause and logged the same way;
- the stricter modes are enforced (orders refused as reduce-only or observe-only);
- every cycle's recorded equity and realised PnL equal a recomputation from the ledger's fills
  alone, and the logged peak and drawdown follow from that equity.
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass
from decimal import Decimal, localcontext
from pathlib import Path
from typing import Any

import pytest

from bot.drill import markets
from bot.replay.dataset_io import DatasetWriter
from bot.replay.pair_specs import DEFAULT_PAIRS
from bot.store import Database
from bot.testing.cycles import CycleRun, cycle_settings

STEP_MS = markets.STEP_MS
START_MS = markets.SELL_OFF_START_MS  # midnight falls at row 320, after the recovery
ROWS = markets.SELL_OFF_ROWS
SEED_TRY = Decimal("100000")
MIDNIGHT_MS = markets.SELL_OFF_MIDNIGHT_MS


def write_sell_off(directory: Path) -> None:
    rules = DEFAULT_PAIRS["BTCTRY"].rules
    with DatasetWriter(directory, name="sell-off", step_ms=STEP_MS, pairs=[rules]) as out:
        for row in markets.sell_off_rows():
            out.write("BTCTRY", row)
        out.commit("tests/unit/cycle/test_stage7_sell_off.py")


@dataclass(frozen=True)
class Run:
    events: list[tuple[str, dict[str, Any]]]  # (type, payload) in ledger order
    decisions: dict[str, int]  # by reason code
    portfolio: list[dict[str, Any]]  # the "portfolio" log lines' fields, one per cycle
    logged_transitions: list[dict[str, Any]]  # the "risk mode changed" log lines' fields

    def of(self, kind: str) -> list[dict[str, Any]]:
        return [payload for k, payload in self.events if k == kind]


class Kept(logging.Handler):
    def __init__(self) -> None:
        super().__init__()
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)


@pytest.fixture(scope="module")
def run(tmp_path_factory: pytest.TempPathFactory) -> Run:
    dataset = tmp_path_factory.mktemp("sell-off") / "dataset"
    write_sell_off(dataset)
    settings = cycle_settings(
        {
            "BOT_UNIVERSE__SYMBOLS": '["BTCTRY"]',
            "BOT_SELECTION__SIZE": "1",
            "BOT_PAPER__SEED_BALANCES": json.dumps({"TRY": str(SEED_TRY)}),
            # Buying a slide and selling the climb back below the entry is a streak of losing
            # round trips; this test is about the market's sell-off, not the streak rule.
            "BOT_BUDGET__LOSS_STREAK_REDUCE": "50",
            "BOT_BUDGET__LOSS_STREAK_OBSERVE": "50",
        },
        dataset=dataset,
    )
    handler = Kept()
    logger = logging.getLogger("bot")
    logger.addHandler(handler)
    old_level = logger.level
    logger.setLevel(logging.INFO)
    try:
        with CycleRun(settings, Database.in_memory(), stage="7") as cycles:
            results = cycles.cycles(ROWS + 10)
            assert cycles.exhausted and len(results) == ROWS - 1
            rows = cycles.rows("SELECT type, payload FROM events ORDER BY seq")
            decisions = dict(cycles.rows("SELECT reason_code, COUNT(*) FROM decisions GROUP BY 1"))
    finally:
        logger.removeHandler(handler)
        logger.setLevel(old_level)
    fields = [(r.getMessage(), getattr(r, "fields", {})) for r in handler.records]
    return Run(
        [(kind, json.loads(text)) for kind, text in rows],
        decisions,
        [f for message, f in fields if message == "portfolio"],
        [f for message, f in fields if message == "risk mode changed"],
    )


def test_the_sell_off_drives_the_budget_into_reduce_or_observe_and_back_to_normal(run: Run) -> None:
    transitions = run.of("RiskModeChanged")
    modes = [("normal", None)] + [(t["to_mode"], t["ts_ms"]) for t in transitions]
    assert [m for m, _ in modes][:2] == ["normal", "reduce"] and "observe" in [m for m, _ in modes]
    first_strict_ms = transitions[0]["ts_ms"]
    assert START_MS + 120 * STEP_MS <= first_strict_ms < START_MS + 180 * STEP_MS, "during the sell-off"
    assert transitions[-1]["to_mode"] == "normal", "and back to NORMAL once calm"
    assert transitions[-1]["ts_ms"] >= MIDNIGHT_MS, "after the day's loss reset"
    assert all(t["causes"] for t in transitions), "every transition says why"
    assert [(t["from_mode"], t["to_mode"], t["causes"]) for t in run.logged_transitions] == [
        (t["from_mode"], t["to_mode"], t["causes"]) for t in transitions
    ]
    assert run.decisions.get("reduce_only", 0) > 0 and run.decisions.get("observe_only", 0) > 0, "enforced"


def test_equity_realised_pnl_and_drawdown_agree_with_a_recomputation_from_the_fills(run: Run) -> None:
    cash, btc, cost, realized, peak = SEED_TRY, Decimal(0), Decimal(0), Decimal(0), Decimal(0)
    fills = {"buy": 0, "sell": 0}
    valuations: list[tuple[Decimal, Decimal]] = []
    with localcontext() as ctx:
        ctx.prec = 60
        for kind, payload in run.events:
            if kind == "OrderFilled":
                qty = Decimal(payload["quantity"])
                amount = Decimal(payload["price"]) * qty
                fee = Decimal(payload["fee"]) + Decimal(payload["tax"])
                assert payload["fee_asset"] == "TRY"
                fills[payload["side"]] += 1
                if payload["side"] == "buy":
                    cash, cost, btc = cash - amount - fee, cost + amount + fee, btc + qty
                else:
                    average = cost / btc
                    realized += amount - average * qty - fee
                    cash, cost, btc = cash + amount - fee, cost - average * qty, btc - qty
            elif kind == "StateChanged" and payload["key"] == "portfolio.valuation":
                # Recorded after the cycle's reconciled fills and before its own orders: exactly
                # where the cycle valued the portfolio.
                recorded = payload["value"]  # an object, not JSON text
                equity = cash + btc * Decimal(recorded["marks"]["BTCTRY"])
                assert Decimal(recorded["equity"]) == equity, recorded["cycle_id"]
                error = abs(Decimal(recorded["realized_pnl"]) - realized)
                assert error < Decimal("1e-12"), recorded["cycle_id"]
                peak = max(peak, equity)
                valuations.append((equity, peak))
    assert fills["buy"] > 5 and fills["sell"] > 5, "it traded both ways"
    assert len(valuations) == len(run.portfolio) > ROWS - 10, "every cycle records and logs its valuation"
    for (equity, peak), line in zip(valuations, run.portfolio, strict=True):
        assert Decimal(line["equity"]) == equity
        assert Decimal(line["peak_equity"]) == peak
        assert abs(Decimal(line["drawdown_ratio"]) - (peak - equity) / peak) < Decimal("1e-20")
    deepest = max(Decimal(line["drawdown_ratio"]) for line in run.portfolio)
    assert deepest > Decimal("0.06"), "the sell-off hurt the account"
