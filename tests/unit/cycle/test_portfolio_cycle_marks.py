"""Stage 7 cycles, in process, on the bundled replay with a paper account holding BTC.

When the market reads of a held symbol fail while the balances read fine, the holding is valued
at its last mark for `accounting.max_mark_age_ms`, then the valuation is incomplete: no phantom
drawdown, no kill switch, no change to peak or daily PnL, and the log and the cycle's counters
say why. A real drawdown still trips the kill switch, and says so once, not every cycle.
"""

from __future__ import annotations

import json
import logging
from dataclasses import replace
from decimal import Decimal as D
from pathlib import Path

import pytest

from bot.config import Settings
from bot.config.portfolio_schema import AccountingSettings, KillSwitchSettings, PortfolioSettings
from bot.config.schema import MarketDataSettings, PaperSettings, UniverseSettings
from bot.cycle.kill_switch import read_kill_switch
from bot.cycle.portfolio.verify import verify_accounting
from bot.cycle.run import CycleResult
from bot.domain.market import BookLevel, OrderBook, Ticker
from bot.exchange.errors import Transient
from bot.exchange.gateway import MarketDataSource
from bot.store import Database
from bot.testing.cycles import CycleRun

REPO = Path(__file__).resolve().parents[3]
STEP_MS = 60_000  # the replay advances one dataset row per cycle
MAX_MARK_AGE_MS = 3 * STEP_MS


class FlakyMarket:
    """The replay's market data, with symbols whose reads fail and symbols whose prices fell."""

    def __init__(self, inner: MarketDataSource) -> None:
        self.inner = inner
        self.failing: set[str] = set()
        self.scale: dict[str, D] = {}

    def pair_rules(self):
        return self.inner.pair_rules()

    def ticker(self, symbol: str) -> Ticker:
        self._check(symbol, "ticker")
        ticker, k = self.inner.ticker(symbol), self.scale.get(symbol, D(1))
        return replace(ticker, bid=ticker.bid * k, ask=ticker.ask * k, last=ticker.last * k)

    def order_book(self, symbol: str, limit: int = 20) -> OrderBook:
        self._check(symbol, "orderbook")
        book, k = self.inner.order_book(symbol, limit), self.scale.get(symbol, D(1))
        scaled = lambda levels: tuple(BookLevel(price=lv.price * k, quantity=lv.quantity) for lv in levels)  # noqa: E731
        return replace(book, bids=scaled(book.bids), asks=scaled(book.asks))

    def _check(self, symbol: str, endpoint: str) -> None:
        if symbol in self.failing:
            raise Transient("connection reset", endpoint=endpoint)


def stage7(db: Database, **overrides: object) -> tuple[CycleRun, FlakyMarket]:
    groups: dict[str, object] = {
        "paper": PaperSettings(seed_balances={"TRY": D("60000"), "BTC": D("0.03")}),  # 40 % in BTC
        "market_data": MarketDataSettings(dataset=REPO / "replays" / "synthetic"),
        "universe": UniverseSettings(symbols=("BTCTRY", "ETHTRY")),
        "accounting": AccountingSettings(max_mark_age_ms=MAX_MARK_AGE_MS),
    }
    settings = Settings.model_validate({**groups, **overrides})
    run = CycleRun(settings, db, stage="7")  # the real composition, in process
    market = FlakyMarket(run.runtime.market)
    run.runtime.market = market
    return run, market


def cycles(run: CycleRun, n: int) -> list[CycleResult]:
    results = run.cycles(n)
    assert len(results) == n and not run.exhausted, "the bundled replay runs longer than any test here"
    return results


def logged(caplog: pytest.LogCaptureFixture, message: str) -> list[dict]:
    return [getattr(r, "fields", {}) for r in caplog.records if r.getMessage() == message]


def equity_state(db: Database) -> dict:
    text = db.state.get("portfolio.equity")
    assert text is not None
    return json.loads(text)


def test_failed_market_reads_of_a_held_symbol_neither_trip_the_kill_switch_nor_record_a_loss(caplog):
    caplog.set_level(logging.INFO, logger="bot")
    db = Database.in_memory()
    run, market = stage7(db)
    cycles(run, 3)
    market.failing.add("BTCTRY")  # order books and tickers fail; balances still read fine
    carried = cycles(run, 3)
    before = equity_state(db)
    incomplete = cycles(run, 4)

    assert [c.counters.get("marks_carried") for c in carried] == [1, 1, 1]
    assert all(c.counters.get("valuation_incomplete") == 1 for c in incomplete)
    assert equity_state(db) == before, "an incomplete valuation moves no peak, day or day start"
    assert run.events("KillSwitchChanged") == []
    assert not read_kill_switch(db).active
    # No stage 7 budget step on a loss it did not see; the stale data itself may move it.
    budget_causes = [c for e in run.events("RiskModeChanged") if e["source"] == "budget" for c in e["causes"]]
    assert not [c for c in budget_causes if c.startswith(("drawdown_ratio", "daily_loss_ratio"))]
    portfolio = logged(caplog, "portfolio")
    assert [p["valuation"] for p in portfolio[3:]] == ["complete"] * 3 + ["incomplete"] * 4
    assert all(D(p["drawdown_ratio"]) < D("0.01") for p in portfolio if p["drawdown_ratio"] is not None)
    assert all(p["daily_pnl"] is None for p in portfolio[6:])
    # Said once each, on the change, with which symbol and how old its mark is.
    [carrying] = logged(caplog, "holdings valued at carried marks")
    assert carrying["age_ms"] == {"BTCTRY": STEP_MS}
    [stale] = logged(caplog, "valuation incomplete")
    assert stale["age_ms"] == {"BTCTRY": MAX_MARK_AGE_MS + STEP_MS}
    assert stale["max_mark_age_ms"] == MAX_MARK_AGE_MS
    valuation = json.loads(db.state.get("portfolio.valuation") or "{}")
    assert valuation["incomplete"] == ["BTCTRY"] and valuation["carried_marks"]["BTCTRY"]["as_of_ms"] > 0

    market.failing.clear()
    cycles(run, 2)
    assert len(logged(caplog, "valuation complete again")) == 1
    assert [p["valuation"] for p in logged(caplog, "portfolio")[-2:]] == ["complete"] * 2
    check = verify_accounting(db)  # revalues every cycle: carried, incomplete and complete again
    assert check.ok, check.problems
    assert check.cycles == 12


def test_a_cycle_with_an_incomplete_valuation_places_nothing_and_says_why():
    db = Database.in_memory()
    eager = PortfolioSettings(  # strategies that want to trade early on the bundled replay
        ema_warmup_samples=2, mean_reversion_band_ratio=D("0.0001"), momentum_weight=D(1)
    )
    run, market = stage7(db, accounting=AccountingSettings(max_mark_age_ms=0), portfolio=eager)
    cycles(run, 6)
    market.failing.add("BTCTRY")
    [result] = cycles(run, 1)
    assert result.counters.get("valuation_incomplete") == 1
    decisions = db.connection.execute(
        "SELECT verdict, reason_code, details FROM decisions WHERE cycle_id = ?", (result.cycle_id,)
    ).fetchall()
    assert decisions, "the strategies wanted to trade"
    for verdict, reason, details in decisions:
        assert (verdict, reason) == ("rejected", "observe_only")
        assert json.loads(details)["mode_causes"] == (
            "valuation_incomplete: BTCTRY mark 60000ms old > max_mark_age_ms=0"
        )
    orders = db.connection.execute("SELECT COUNT(*) FROM orders WHERE cycle_id = ?", (result.cycle_id,))
    assert orders.fetchone() == (0,)


def test_a_restart_carries_the_last_known_mark_of_the_ledger(tmp_path):
    path = tmp_path / "ledger.sqlite"
    with Database.open(path) as db:
        run, market = stage7(db)
        cycles(run, 2)
        market.failing.add("BTCTRY")
        cycles(run, 1)
        run.close()
    with Database.open(path) as db:
        run, market = stage7(db)
        market.failing.add("BTCTRY")
        [first] = cycles(run, 1)
        assert first.counters.get("marks_carried") == 1, "the mark comes from the ledger, not from memory"
        assert verify_accounting(db).ok
        run.close()


def test_a_real_drawdown_trips_the_kill_switch_once_and_says_so_once(caplog):
    caplog.set_level(logging.INFO, logger="bot")
    db = Database.in_memory()
    run, market = stage7(db, kill_switch=KillSwitchSettings(hard_drawdown_ratio=D("0.15")))
    cycles(run, 2)
    market.scale["BTCTRY"] = D("0.5")  # BTC halves: 20 % of equity gone, for real
    cycles(run, 4)

    portfolio = logged(caplog, "portfolio")
    assert all(D(p["drawdown_ratio"]) >= D("0.15") for p in portfolio[2:]), "the rule calls every cycle"
    [tripped] = run.events("KillSwitchChanged")
    assert tripped["switch"]["source"] == "auto:hard_drawdown"
    critical = logged(caplog, "kill switch tripped automatically")
    assert len(critical) == 1 and critical[0]["reason"].startswith("hard_drawdown: drawdown_ratio=")
    assert read_kill_switch(db).active
