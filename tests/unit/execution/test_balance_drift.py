"""Balance drift beyond tolerance freezes new submits, recorded and logged once per transition."""

from __future__ import annotations

import logging
from decimal import Decimal as D

from bot.domain.events import EventType
from bot.execution.balance_drift import BalanceDriftGuard, DriftTolerance, beyond_tolerance
from bot.store import Database, ledger_summary, render_summary, verify_ledger
from bot.testing import FakeClock

TOLERANCE = DriftTolerance(ratio=D("0.001"), absolute={"BTC": D("0.0001")}, cycles=3)
LEDGER = {"TRY": D("50000"), "BTC": D("0.01")}


def drift_events(db: Database) -> list[str]:
    return [e.payload for e in db.events.all() if e.type == EventType.BALANCE_DRIFT_CHANGED]


def test_tolerance_is_the_larger_of_the_absolute_and_the_relative_allowance():
    # TRY: 0.001 x the exchange's total; BTC: 0.0001 absolute (larger than 0.001 x 0.0101).
    assert beyond_tolerance(LEDGER, {"TRY": D("50050"), "BTC": D("0.0101")}, TOLERANCE) == {}
    assert beyond_tolerance(LEDGER, {"TRY": D("50060"), "BTC": D("0.01")}, TOLERANCE) == {"TRY": D("-60")}
    assert beyond_tolerance(LEDGER, {"TRY": D("50000"), "BTC": D("0.0102")}, TOLERANCE) == {
        "BTC": D("-0.0002")
    }
    # An asset only one side has drifts by its whole amount.
    assert beyond_tolerance(LEDGER, {**LEDGER, "ETH": D("1")}, TOLERANCE) == {"ETH": D("-1")}


def test_drift_freezes_after_consecutive_cycles_once_and_clears_once(caplog):
    clock = FakeClock()
    caplog.set_level(logging.WARNING)
    with Database.in_memory() as db:
        guard = BalanceDriftGuard(database=db, clock=clock, tolerance=TOLERANCE)
        deposited = {"TRY": D("60000"), "BTC": D("0.01")}  # 10,000 TRY arrived outside the bot
        assert [guard.assess(LEDGER, deposited) for _ in range(2)] == [False, False]
        assert drift_events(db) == []
        assert [guard.assess(LEDGER, deposited) for _ in range(5)] == [True] * 5
        assert len(drift_events(db)) == 1
        assert '"frozen":true' in drift_events(db)[0] and '"TRY":"-10000"' in drift_events(db)[0]
        assert len([r for r in caplog.records if "new orders frozen (balance_drift)" in r.getMessage()]) == 1
        text = render_summary(ledger_summary(db))
        assert "Balance drift: new orders frozen (balance_drift)" in text and "TRY -10000" in text

        # A restart keeps the freeze (it is in the ledger), and one clean cycle lifts it, once.
        restarted = BalanceDriftGuard(database=db, clock=clock, tolerance=TOLERANCE)
        assert restarted.assess(LEDGER, deposited) is True
        assert [restarted.assess(LEDGER, dict(LEDGER)) for _ in range(3)] == [False] * 3
        assert len(drift_events(db)) == 2 and '"frozen":false' in drift_events(db)[1]
        assert len([r for r in caplog.records if "freeze lifted" in r.getMessage()]) == 1
        assert "Balance drift: none beyond tolerance" in render_summary(ledger_summary(db))
        assert verify_ledger(db).ok


def test_a_drift_that_does_not_last_the_cycles_never_freezes():
    with Database.in_memory() as db:
        guard = BalanceDriftGuard(database=db, clock=FakeClock(), tolerance=TOLERANCE)
        moved = {"TRY": D("49000"), "BTC": D("0.01")}  # a fill read just after the balances
        for _ in range(10):
            assert guard.assess(LEDGER, moved) is False
            assert guard.assess(LEDGER, moved) is False
            assert guard.assess(LEDGER, LEDGER) is False
        assert drift_events(db) == []
