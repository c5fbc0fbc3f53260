"""`bot ledger verify` redoes every portfolio cycle's valuation from the fills and its marks."""

from __future__ import annotations

import sqlite3
from dataclasses import replace
from decimal import Decimal as D

import pytest

import bot.cycle.portfolio.verify as accounting_verify
from bot.accounting import EquityState, build_books, track_equity, value
from bot.cycle.persisted_state import save_state
from bot.cycle.portfolio.memory import KEYS
from bot.cycle.portfolio.valuation import KEY as VALUATION_KEY
from bot.cycle.portfolio.valuation import ValuationRecord
from bot.cycle.portfolio.verify import verify_accounting
from bot.domain.events import EventType
from bot.domain.orders import Fill, Side
from bot.domain.symbols import PairRules
from bot.execution.reconcile_events import order_filled
from bot.replay.pair_specs import DEFAULT_PAIRS
from bot.store import Database
from bot.store.ledger_events import from_mapping

RULES = {"BTCTRY": DEFAULT_PAIRS["BTCTRY"].rules}
OPENING = {"TRY": D("10000")}
DAY = 86_400_000
T0 = 20 * DAY  # midnight UTC


def fill(trade_id: str, side: Side, price: str, quantity: str, ts_ms: int) -> Fill:
    return Fill(
        trade_id=trade_id,
        exchange_order_id=f"x{trade_id}",
        client_order_id=None,
        symbol="BTCTRY",
        side=side,
        price=D(price),
        quantity=D(quantity),
        fee=D("1.5"),
        tax=D("0.27"),
        fee_asset="TRY",
        ts_ms=ts_ms,
    )


class Ledger:
    """Records what the stage records, as the stage computes it, with a way to get it wrong."""

    def __init__(self, db: Database | None = None) -> None:
        self.db = db or Database.in_memory()
        self.fills: list[Fill] = []
        self.state: EquityState | None = None
        self.cycle = 0
        with self.db.unit_of_work() as uow:
            uow.record(from_mapping(EventType.BALANCES_SEEDED, {"ts_ms": T0, "balances": OPENING}))
            uow.commit()

    def trade(self, f: Fill, rules: PairRules = RULES["BTCTRY"]) -> None:
        with self.db.unit_of_work() as uow:
            uow.record(order_filled(f, rules, None))
            uow.commit()
        self.fills.append(f)

    def cycle_at(self, now_ms: int, mark: str, *, equity_error: str = "0", peak_error: str = "0") -> None:
        self.cycle += 1
        marks = {"BTCTRY": D(mark)}
        books = build_books(opening_balances=OPENING, fills=self.fills, pairs=RULES, quote_asset="TRY")
        valuation = value(books, marks)
        record = ValuationRecord.of(
            cycle_id=self.cycle,
            now_ms=now_ms,
            day_boundary_offset_ms=0,
            books=books,
            valuation=valuation,
            marks=marks,
        )
        record = ValuationRecord(**{**_fields(record), "equity": record.equity + D(equity_error)})
        self.state, _ = track_equity(self.state, valuation.equity, now_ms)
        stored = EquityState(
            peak_equity=self.state.peak_equity + D(peak_error),
            day_start_ms=self.state.day_start_ms,
            day_start_equity=self.state.day_start_equity,
        )
        with self.db.unit_of_work() as uow:
            save_state(uow, VALUATION_KEY, record.to_json(), now_ms)
            save_state(uow, KEYS["equity"], stored.to_json(), now_ms)
            uow.commit()


def _fields(record: ValuationRecord) -> dict[str, object]:
    return {name: getattr(record, name) for name in record.__slots__}


@pytest.fixture
def ledger() -> Ledger:
    book = Ledger()
    book.cycle_at(T0 + 60_000, "1000000")
    book.trade(fill("1", Side.BUY, "1000000", "0.005", T0 + 90_000))
    book.cycle_at(T0 + 120_000, "1010000")
    book.cycle_at(T0 + DAY + 60_000, "990000")  # a new accounting day
    book.trade(fill("2", Side.SELL, "995000", "0.005", T0 + DAY + 90_000))
    return book


def test_a_ledger_whose_cycles_valued_it_correctly_verifies(ledger):
    ledger.cycle_at(T0 + DAY + 120_000, "985000")
    check = verify_accounting(ledger.db)
    assert check.ok, check.problems
    assert check.cycles == 4
    assert check.last is not None and check.last.equity == D("10000") - 2 * D("1.77") - D("25")
    assert check.last_state is not None and check.last_state.day_start_ms == T0 + DAY


def test_an_equity_that_does_not_follow_from_the_fills_is_named_with_its_cycle(ledger):
    ledger.cycle_at(T0 + DAY + 120_000, "985000", equity_error="0.01")
    check = verify_accounting(ledger.db)
    assert not check.ok
    assert check.problems[0].startswith("cycle 4 ")
    assert "recorded equity 9971.47, the fills and its marks give 9971.46" in check.problems[0]


def test_a_peak_that_does_not_follow_from_the_equity_is_reported(ledger):
    ledger.cycle_at(T0 + DAY + 120_000, "985000", peak_error="5")
    check = verify_accounting(ledger.db)
    assert [p.split(":")[0] for p in check.problems] == ["cycle 4"]
    assert "portfolio.equity recorded peak 10053.23" in check.problems[0]
    assert "its equity gives peak 10048.23" in check.problems[0]


def test_balances_that_disagree_with_the_fills_are_reported():
    book = Ledger()
    book.trade(fill("1", Side.BUY, "1000000", "0.005", T0 + 90_000))
    book.cycle_at(T0 + 120_000, "1000000")
    # A balance the fills do not explain: written behind the event log's back.
    book.db.connection.execute("UPDATE balances SET total = '1' WHERE asset = 'BTC'")
    check = verify_accounting(book.db)
    assert check.problems == ["balances[BTC]: the ledger has 1, opening balances and fills give 0.005"]


def test_a_ledger_without_portfolio_cycles_has_nothing_to_revalue():
    check = verify_accounting(Ledger().db)
    assert check.ok and check.cycles == 0 and check.last is None


def test_a_fill_after_the_last_valuation_that_cannot_be_accounted_fails_verification(ledger):
    # A manual trade on a USDT pair: the daemon stops ordering (it cannot account it) and records
    # no more valuations, so the last valuation alone would look fine.
    usdt = replace(RULES["BTCTRY"], symbol="BTCUSDT", quote="USDT")
    ledger.trade(replace(fill("9", Side.BUY, "40000", "0.001", T0 + DAY + 100_000), symbol="BTCUSDT"), usdt)
    check = verify_accounting(ledger.db)
    assert not check.ok
    assert check.problems[-1].startswith("the fills since cycle 3 cannot be accounted: fill 9")


def test_verification_reads_one_snapshot_while_the_daemon_keeps_writing(tmp_path, monkeypatch):
    path = tmp_path / "ledger.sqlite"
    with Database.open(path) as db:
        book = Ledger(db)
        book.trade(fill("1", Side.BUY, "1000000", "0.005", T0 + 90_000))
        book.cycle_at(T0 + 120_000, "1000000")
    real_iterate = accounting_verify.iterate

    def iterate_while_writing(connection):
        for index, record in enumerate(real_iterate(connection)):
            if index == 1:  # another process commits while the walk runs
                with sqlite3.connect(path) as writer:
                    writer.execute("UPDATE balances SET total = '1' WHERE asset = 'BTC'")
            yield record

    monkeypatch.setattr(accounting_verify, "iterate", iterate_while_writing)
    with Database.open_readonly(path) as db:
        check = verify_accounting(db)
    assert check.ok, check.problems


def test_an_equity_state_written_outside_a_cycle_is_reported(ledger):
    # A lowered peak would loosen the drawdown stop for every later cycle.
    with ledger.db.unit_of_work() as uow:
        lowered = EquityState(peak_equity=D("1"), day_start_ms=T0 + DAY, day_start_equity=D("1"))
        save_state(uow, KEYS["equity"], lowered.to_json(), T0 + DAY + 100_000)
        uow.commit()
    check = verify_accounting(ledger.db)
    assert len(check.problems) == 1
    assert check.problems[0].endswith("portfolio.equity changed outside a portfolio cycle")
