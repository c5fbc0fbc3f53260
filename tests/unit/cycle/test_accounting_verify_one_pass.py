"""The accounting check rides `bot ledger verify`'s one pass over the log and finds what it finds
alone; it keeps no fill until a valuation needs the books, and reads those back from the log."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import replace
from decimal import Decimal as D

import pytest
from test_accounting_verify import DAY, RULES, T0, Ledger, fill
from test_accounting_verify_marks import Ledger as MarksLedger

import bot.cycle.portfolio.verify as accounting_verify
from bot.accounting import EquityState
from bot.cycle.persisted_state import save_state
from bot.cycle.portfolio.memory import KEYS
from bot.cycle.portfolio.verify import AccountingCheck, AccountingVerifier, verify_accounting
from bot.domain.events import EventType
from bot.domain.orders import Side
from bot.store import Database, event_log, verify_ledger


def priced() -> Ledger:
    book = Ledger()
    book.cycle_at(T0 + 60_000, "1000000")
    book.trade(fill("1", Side.BUY, "1000000", "0.005", T0 + 90_000))
    book.cycle_at(T0 + 120_000, "1010000")
    book.cycle_at(T0 + DAY + 60_000, "990000")
    book.trade(fill("2", Side.SELL, "995000", "0.005", T0 + DAY + 90_000))
    return book


def healthy() -> Database:
    book = priced()
    book.cycle_at(T0 + DAY + 120_000, "985000")
    return book.db


def wrong_equity() -> Database:
    book = priced()
    book.cycle_at(T0 + DAY + 120_000, "985000", equity_error="0.01")
    return book.db


def wrong_peak() -> Database:
    book = priced()
    book.cycle_at(T0 + DAY + 120_000, "985000", peak_error="5")
    return book.db


def fills_before_the_first_valuation() -> Database:
    book = Ledger()
    book.trade(fill("1", Side.BUY, "1000000", "0.005", T0 + 90_000))
    book.trade(fill("2", Side.BUY, "1000000", "0.001", T0 + 95_000))
    book.cycle_at(T0 + 120_000, "1000000")
    book.db.connection.execute("UPDATE balances SET total = '1' WHERE asset = 'BTC'")
    return book.db


def an_unaccountable_fill_at_the_end() -> Database:
    book = priced()
    usdt = replace(RULES["BTCTRY"], symbol="BTCUSDT", quote="USDT")
    book.trade(replace(fill("9", Side.BUY, "40000", "0.001", T0 + DAY + 100_000), symbol="BTCUSDT"), usdt)
    return book.db


def equity_outside_a_cycle() -> Database:
    book = priced()
    with book.db.unit_of_work() as uow:
        lowered = EquityState(peak_equity=D("1"), day_start_ms=T0 + DAY, day_start_equity=D("1"))
        save_state(uow, KEYS["equity"], lowered.to_json(), T0 + DAY + 100_000)
        uow.commit()
    return book.db


def incomplete_valuation_that_moved_the_day() -> Database:
    book = MarksLedger()
    book.cycle_at("2000000")
    for _ in range(3):
        book.cycle_at(None)
    book.cycle_at(None, track_anyway=True, at=T0 + DAY + 60_000)
    return book.db


SCENARIOS: list[Callable[[], Database]] = [
    healthy,
    wrong_equity,
    wrong_peak,
    fills_before_the_first_valuation,
    an_unaccountable_fill_at_the_end,
    equity_outside_a_cycle,
    incomplete_valuation_that_moved_the_day,
    lambda: Ledger().db,
]


def summary(check: AccountingCheck) -> tuple[object, ...]:
    return check.problems, check.cycles, check.last, check.last_state


@pytest.mark.parametrize("scenario", SCENARIOS)
def test_in_the_one_pass_the_accounting_finds_what_it_finds_alone(scenario: Callable[[], Database]) -> None:
    db = scenario()
    alone = verify_accounting(db)
    verifier = AccountingVerifier()
    verify_ledger(db, observers=[verifier])
    assert summary(verifier.check) == summary(alone)


def test_the_scenarios_are_not_all_clean() -> None:
    found = [bool(verify_accounting(scenario()).problems) for scenario in SCENARIOS]
    assert found == [False, True, True, True, True, True, True, False]


@pytest.fixture
def reads_back(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """The seq through which the walk read fills back from the log, once per read."""
    calls: list[int] = []
    real = accounting_verify.rows_of_type

    def counted(conn, event_type: str, *, through_seq: int) -> Iterator[event_log.EventRow]:  # type: ignore[no-untyped-def]
        calls.append(through_seq)
        return real(conn, event_type, through_seq=through_seq)

    monkeypatch.setattr(accounting_verify, "rows_of_type", counted)
    return calls


def test_without_a_valuation_no_fill_is_kept_or_read_back(reads_back: list[int]) -> None:
    book = Ledger()
    for n in range(5):
        book.trade(fill(str(n), Side.BUY, "1000000", "0.001", T0 + n))
    verifier = AccountingVerifier()
    report = verify_ledger(book.db, observers=[verifier])
    assert report.ok and verifier.check.ok and verifier.check.cycles == 0
    assert reads_back == []


def test_the_fills_before_the_first_valuation_are_read_back_once_through_it(reads_back: list[int]) -> None:
    db = fills_before_the_first_valuation()
    verifier = AccountingVerifier()
    verify_ledger(db, observers=[verifier])
    first_valuation = db.connection.execute(
        "SELECT MIN(seq) FROM events WHERE type = 'StateChanged' AND payload LIKE '%portfolio.valuation%'"
    ).fetchone()[0]
    assert reads_back == [first_valuation]
    assert verifier.check.cycles == 1
    assert verifier.check.problems == [
        "balances[BTC]: the ledger has 1, opening balances and fills give 0.006"
    ]


def test_a_fill_that_cannot_be_read_is_named_where_it_is_and_left_out_of_the_books() -> None:
    book = Ledger()
    book.trade(fill("1", Side.BUY, "1000000", "0.005", T0 + 90_000))
    conn = book.db.connection
    conn.execute("BEGIN IMMEDIATE")
    bad = '{"side":"sideways","symbol":"BTCTRY","trade_id":"x","ts_ms":1}'
    event_log.append(conn, ts_ms=1, event_type=EventType.ORDER_FILLED.value, payload=bad)
    conn.execute("COMMIT")
    book.cycle_at(T0 + 120_000, "1000000")
    verifier = AccountingVerifier()
    report = verify_ledger(book.db, observers=[verifier])
    assert verifier.check.problems == [
        "events[seq=3] (OrderFilled) cannot be read for accounting: OrderFilled payload: 'side' must be"
        " 'buy' or 'sell', got 'sideways'"
    ]
    assert report.problems == [
        "events[seq=3] (OrderFilled) cannot be replayed: OrderFilled payload: 'side' must be 'buy' or"
        " 'sell', got 'sideways'"
    ]
    assert summary(verifier.check) == summary(verify_accounting(book.db))


def test_a_payload_that_does_not_parse_is_named_by_both_checks_from_one_parse() -> None:
    book = Ledger()
    conn = book.db.connection
    conn.execute("BEGIN IMMEDIATE")
    event_log.append(conn, ts_ms=1, event_type=EventType.STATE_CHANGED.value, payload='{"value":0.5}')
    conn.execute("COMMIT")
    verifier = AccountingVerifier()
    report = verify_ledger(book.db, observers=[verifier])
    reason = "float 0.5 in a stored payload (decimals must be strings)"
    assert report.problems == [f"events[seq=2] (StateChanged) cannot be replayed: {reason}"]
    assert verifier.check.problems == [
        f"events[seq=2] (StateChanged) cannot be read for accounting: {reason}"
    ]
