"""The stage's books read only new fills each cycle, and always equal the books of all fills."""

from __future__ import annotations

from dataclasses import replace
from decimal import Decimal as D

import pytest

from bot.accounting import build_books
from bot.cycle.portfolio.books import LedgerBooks
from bot.domain.events import EventType
from bot.domain.orders import Fill, Side
from bot.execution.reconcile_events import order_filled
from bot.replay.pair_specs import DEFAULT_PAIRS
from bot.store import Database
from bot.store.ledger_events import from_mapping

RULES = {s: DEFAULT_PAIRS[s].rules for s in ("BTCTRY", "ETHTRY")}
OPENING = {"TRY": D("100000"), "ETH": D("1")}
PRICES = {"ETHTRY": D("80000")}


def fill(n: int, symbol: str, side: Side, price: str, quantity: str, ts_ms: int) -> Fill:
    return Fill(
        trade_id=f"t{n}", exchange_order_id=f"x{n}", client_order_id=None, symbol=symbol, side=side,
        price=D(price), quantity=D(quantity), fee=D("1.5"), tax=D("0.27"), fee_asset="TRY", ts_ms=ts_ms,
    )  # fmt: skip


def record(db: Database, *fills: Fill, rules=RULES) -> None:
    with db.unit_of_work() as uow:
        for f in fills:
            uow.record(order_filled(f, rules[f.symbol], None))
        uow.commit()


@pytest.fixture
def db() -> Database:
    database = Database.in_memory()
    with database.unit_of_work() as uow:
        uow.record(from_mapping(EventType.BALANCES_SEEDED, {"ts_ms": 1, "balances": OPENING}))
        uow.commit()
    return database


def read(books: LedgerBooks, rules=RULES):
    return books.read(rules=rules, marks={"BTCTRY": D("1400000")}, opening_prices=PRICES, day_start_ms=0)


def all_fills_books(db: Database):
    return build_books(
        opening_balances=OPENING, fills=db.fills.all(), pairs=RULES, quote_asset="TRY", opening_prices=PRICES
    )


def test_new_fills_late_reports_and_restarts_give_the_books_of_all_fills(db):
    books = LedgerBooks(db, "TRY")
    record(
        db,
        fill(1, "BTCTRY", Side.BUY, "1400000", "0.01", 100),
        fill(2, "ETHTRY", Side.SELL, "81000", "0.5", 110),
    )
    assert read(books).books == all_fills_books(db)
    record(db, fill(3, "BTCTRY", Side.SELL, "1410000", "0.004", 200))
    record(db, fill(4, "BTCTRY", Side.BUY, "1390000", "0.002", 150))  # reported late
    assert read(books).books == all_fills_books(db)
    assert read(LedgerBooks(db, "TRY")).books == all_fills_books(db)  # a restart


def test_a_delisted_pairs_fills_stay_in_the_books_after_a_restart(db):
    record(db, fill(1, "ETHTRY", Side.BUY, "80000", "0.5", 100))
    listed_now = {"BTCTRY": RULES["BTCTRY"]}  # ETHTRY has left the exchange's rules
    assert read(LedgerBooks(db, "TRY"), listed_now).books.positions["ETHTRY"].quantity == D("1.5")


def test_a_fill_quoted_in_another_asset_stops_the_books_every_cycle(db):
    usdt = replace(RULES["BTCTRY"], symbol="BTCUSDT", quote="USDT")
    record(
        db,
        replace(fill(1, "BTCTRY", Side.BUY, "40000", "0.001", 100), symbol="BTCUSDT"),
        rules={"BTCUSDT": usdt},
    )
    books = LedgerBooks(db, "TRY")
    for _ in range(2):
        with pytest.raises(ValueError, match="quoted in USDT"):
            read(books, {**RULES, "BTCUSDT": usdt})
