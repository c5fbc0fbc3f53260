"""`bot ledger verify` knows carried marks and incomplete valuations: it revalues them exactly,
refuses a carried mark that is not the last known one, and refuses an incomplete valuation that
moved the peak, the day or its start (the way a phantom loss reaches the drawdown)."""

from __future__ import annotations

from dataclasses import replace
from decimal import Decimal as D

from bot.accounting import Carry, EquityState, Mark, build_books, track_equity, value
from bot.accounting.marks import carried_marks
from bot.app.portfolio_summary import portfolio_lines
from bot.cycle.persisted_state import save_state
from bot.cycle.portfolio.memory import KEYS
from bot.cycle.portfolio.valuation import KEY as VALUATION_KEY
from bot.cycle.portfolio.valuation import ValuationRecord
from bot.cycle.portfolio.verify import verify_accounting
from bot.domain.events import EventType
from bot.replay.pair_specs import DEFAULT_PAIRS
from bot.risk.kill_switch import KillSwitch, trip
from bot.store import Database
from bot.store.ledger_events import from_mapping

RULES = {"BTCTRY": DEFAULT_PAIRS["BTCTRY"].rules}
OPENING = {"TRY": D("60000"), "BTC": D("0.02")}
PRICES = {"BTCTRY": D("2000000")}
DAY = 86_400_000
T0 = 20 * DAY
REASON = "hard_drawdown: drawdown_ratio=0.4>=0.15"
STEP = 300_000
MAX_AGE = 900_000


class Ledger:
    """Records what the stage records, as the stage computes it, with ways to get it wrong."""

    def __init__(self) -> None:
        self.db = Database.in_memory()
        self.state: EquityState | None = None
        self.last: ValuationRecord | None = None
        self.cycle = 0
        with self.db.unit_of_work() as uow:
            uow.record(from_mapping(EventType.BALANCES_SEEDED, {"ts_ms": T0, "balances": OPENING}))
            save_state(uow, KEYS["opening_prices"], {"prices": {"BTCTRY": "2000000"}}, T0)
            uow.commit()

    def cycle_at(
        self, mark: str | None, *, forge: Mark | None = None, track_anyway: bool = False, at: int = 0
    ) -> ValuationRecord:
        self.cycle += 1
        now = at or T0 + self.cycle * STEP
        marks = {} if mark is None else {"BTCTRY": D(mark)}
        known = self.last.known_marks() if self.last is not None else {}
        carry = Carry(marks=carried_marks(known, marks), now_ms=now, max_age_ms=MAX_AGE)
        if forge is not None:
            carry = replace(carry, marks={"BTCTRY": forge})
        books = build_books(
            opening_balances=OPENING, fills=[], pairs=RULES, quote_asset="TRY", opening_prices=PRICES
        )
        valuation = value(books, marks, carry)
        record = ValuationRecord.of(
            cycle_id=self.cycle,
            now_ms=now,
            day_boundary_offset_ms=0,
            books=books,
            valuation=valuation,
            marks=marks,
            carry=carry,
        )
        if valuation.complete or track_anyway:
            self.state, _ = track_equity(self.state, valuation.equity, now)
        with self.db.unit_of_work() as uow:
            save_state(uow, VALUATION_KEY, record.to_json(), now)
            if self.state is not None:
                save_state(uow, KEYS["equity"], self.state.to_json(), now)
            uow.commit()
        self.last = record
        return record


def test_carried_marks_and_an_incomplete_valuation_that_moved_nothing_verify():
    ledger = Ledger()
    ledger.cycle_at("2000000")
    carried = ledger.cycle_at(None)  # 300 s after the mark: carried
    assert carried.valued_at_carried == ("BTCTRY",) and carried.equity == D("100000")
    ledger.cycle_at(None)
    ledger.cycle_at(None)  # 900 s: still carried
    stale = ledger.cycle_at(None)  # 1200 s: too old
    assert stale.incomplete == ("BTCTRY",) and stale.equity == D("60000")
    ledger.cycle_at("1900000")
    check = verify_accounting(ledger.db)
    assert check.ok, check.problems
    assert check.cycles == 6
    assert ledger.state is not None and ledger.state.peak_equity == D("100000")


def test_an_incomplete_valuation_that_fed_the_drawdown_fails_verification():
    ledger = Ledger()
    ledger.cycle_at("2000000")
    for _ in range(3):
        ledger.cycle_at(None)
    ledger.cycle_at(None, track_anyway=True)  # what the stage did: a 40 % drawdown from nothing
    switch = trip(KillSwitch.off(), reason=REASON, source="auto:hard_drawdown", now_ms=T0 + 5 * STEP)
    with ledger.db.unit_of_work() as uow:  # in the cycle's own unit of work, as record_portfolio does
        moved = {"source": "budget", "from_mode": "normal", "to_mode": "observe"}
        causes = ["drawdown_ratio=0.4>=0.12"]
        uow.record(
            from_mapping(EventType.RISK_MODE_CHANGED, {**moved, "causes": causes, "cycle_id": 5, "ts_ms": T0})
        )
        tripped = {"switch": switch.to_json(), "action": "tripped", "note": REASON, "ts_ms": T0}
        uow.record(from_mapping(EventType.KILL_SWITCH_CHANGED, tripped))
        uow.commit()
    check = verify_accounting(ledger.db)
    assert [p.split(": ", 1)[1] for p in check.problems] == [
        "cycle 5 moved the risk budget normal -> observe (['drawdown_ratio=0.4>=0.12']) on an incomplete"
        " valuation",
        f"cycle 5 tripped the kill switch on its drawdown ({REASON}) although its valuation was incomplete",
    ]


def test_an_incomplete_valuation_that_started_the_day_fails_verification():
    ledger = Ledger()
    ledger.cycle_at("2000000")
    for _ in range(3):
        ledger.cycle_at(None)
    ledger.cycle_at(None, track_anyway=True, at=T0 + DAY + 60_000)  # rolls the day at 60000 TRY
    check = verify_accounting(ledger.db)
    assert check.problems == [
        "cycle 5: its valuation was incomplete (BTCTRY mark 86160000ms old) but moved portfolio.equity"
        f" to peak 100000, day from {T0 + DAY} at 60000; it must stay peak 100000, day from {T0} at 100000"
    ]


def test_a_made_up_carried_mark_fails_verification():
    ledger = Ledger()
    ledger.cycle_at("2000000")
    ledger.cycle_at(None, forge=Mark(price=D("2500000"), as_of_ms=T0 + 2 * STEP))
    check = verify_accounting(ledger.db)
    assert not check.ok
    assert check.problems[0].endswith(
        f"recorded carried marks {{BTCTRY: 2500000 at {T0 + 2 * STEP}}}, the last known marks are"
        f" {{BTCTRY: 2000000 at {T0 + STEP}}}"
    )


def test_a_record_that_hides_its_incompleteness_fails_verification():
    ledger = Ledger()
    ledger.cycle_at("2000000")
    for _ in range(4):
        ledger.cycle_at(None)
    assert ledger.last is not None and ledger.last.incomplete == ("BTCTRY",)
    hidden = replace(ledger.last, incomplete=())
    with ledger.db.unit_of_work() as uow:
        save_state(uow, VALUATION_KEY, hidden.to_json(), hidden.now_ms + 1)
        uow.commit()
    check = verify_accounting(ledger.db)
    assert any(
        "recorded holdings left out for too old a mark [], the fills and its marks give [BTCTRY]" in p
        for p in check.problems
    ), check.problems


def test_a_record_from_before_marks_were_carried_reads_and_verifies():
    ledger = Ledger()
    record = ledger.cycle_at("2000000")
    legacy = record.to_json()
    for key in ("carried_marks", "max_mark_age_ms", "valued_at_carried", "incomplete"):
        legacy.pop(key)
    parsed = ValuationRecord.from_json(legacy)
    assert parsed.carried_marks is None and parsed.incomplete == ()
    assert parsed.known_marks() == {"BTCTRY": Mark(price=D("2000000"), as_of_ms=record.now_ms)}
    assert ValuationRecord.from_json(record.to_json()) == record


def test_ledger_show_says_which_marks_were_carried_and_shows_no_drawdown_for_an_incomplete_one():
    ledger = Ledger()
    ledger.cycle_at("2000000")
    ledger.cycle_at(None)
    carried = portfolio_lines(ledger.db)
    assert (
        "drawdown 0.00%" in carried[1] and carried[2] == "  valued at carried marks: BTCTRY (300000 ms old)"
    )
    for _ in range(3):
        ledger.cycle_at(None)
    [_, incomplete, *_] = portfolio_lines(ledger.db)
    assert incomplete.startswith(
        "  cycle 5: valuation INCOMPLETE, no mark younger than 900000 ms for BTCTRY; equity without them"
        " 60000.00 TRY, peak 100000.00"
    )
    assert "drawdown" not in incomplete
