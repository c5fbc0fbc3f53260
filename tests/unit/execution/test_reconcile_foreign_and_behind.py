"""Reconcile sees the whole account: foreign orders and fills, and a ledger behind the exchange."""

from __future__ import annotations

import logging
from decimal import Decimal as D

import pytest
from tests.unit.execution.paper_parts import DATASET, make_parts, plan

from bot.cycle.ledger_view import read_ledger_view
from bot.domain.events import EventType
from bot.domain.intents import SubmitIntent
from bot.domain.orders import OrderStatus, Side, SubmitOrder
from bot.execution.client_ids import client_order_id, is_bot_client_id
from bot.store import Database, verify_ledger
from bot.store.errors import LedgerBehindExchange

LOW_BUY = SubmitIntent(symbol="BTCTRY", side=Side.BUY, price=D("1300000"), quantity=D("0.001"))


def hand_order(parts, price="1300000", client_order_id=None) -> str:
    """An order placed beside the bot (by hand: no client order id of ours)."""
    ack = parts.gateway.submit_order(
        SubmitOrder(
            client_order_id=client_order_id,
            symbol="BTCTRY",
            side=Side.BUY,
            price=D(price),
            quantity=D("0.002"),
        )
    )
    return ack.exchange_order_id


def messages(caplog, text: str) -> list[logging.LogRecord]:
    return [r for r in caplog.records if text in r.getMessage()]


def test_the_client_order_id_scheme_is_recognised_whichever_ledger_made_it():
    assert is_bot_client_id(client_order_id(stage="7", ledger_id="1a2b3c4d", cycle_id=12, action_index=3))
    assert is_bot_client_id("b3-t-1-0")
    for other in (
        None,
        "",
        "ea7b5bf5-5eb5-41a4-a163-63698b529b4a",
        "b3-1a2b3c4d-12",
        "x3-1a2b-1-0",
        "b3-a-b-1-0",
    ):
        assert not is_bot_client_id(other)


def test_a_foreign_open_order_is_recorded_and_logged_once_and_its_end_once(caplog):
    parts = make_parts()
    parts.seed()
    foreign_id = hand_order(parts)
    caplog.set_level(logging.INFO)
    for _ in range(3):
        parts.reconcile()
    [foreign] = parts.db.foreign_orders.open()
    assert (foreign.exchange_order_id, foreign.symbol, foreign.side) == (foreign_id, "BTCTRY", Side.BUY)
    assert parts.event_count(EventType.FOREIGN_ORDER_SEEN) == 1
    assert len(messages(caplog, "did not place")) == 1
    assert read_ledger_view(parts.db, ["BTCTRY"]).foreign_orders == [foreign]

    parts.gateway.cancel_order(foreign_id)  # its owner cancels it
    for _ in range(2):
        parts.reconcile()
    assert parts.db.foreign_orders.open() == []
    assert parts.event_count(EventType.FOREIGN_ORDER_GONE) == 1
    assert len(messages(caplog, "foreign order no longer open")) == 1
    assert verify_ledger(parts.db).ok  # the new events replay into the same foreign_orders table


def test_the_ledgers_own_orders_are_never_foreign():
    parts = make_parts()
    parts.seed()
    parts.executor.execute(1, plan(LOW_BUY, "b3-t-1-0"))
    parts.reconcile()
    assert parts.db.foreign_orders.open() == []
    assert parts.event_count(EventType.FOREIGN_ORDER_SEEN) == 0


def test_a_foreign_fill_is_recorded_and_warned_about_once_while_it_stays_in_the_lookback(caplog):
    parts = make_parts()
    parts.seed()
    parts.clock.advance(1_000)
    hand_order(parts, price="1400100")  # a taker buy by hand: fills at once, after the ledger opened
    caplog.set_level(logging.WARNING)
    for _ in range(4):  # every reconcile re-reads it: it is inside fill_lookback_ms
        parts.clock.advance(1_000)
        parts.reconcile()
    assert parts.db.fills.count() == 1
    assert len(messages(caplog, "did not place (manual trade?)")) == 1


def test_an_open_order_of_this_bot_that_the_ledger_lacks_refuses_and_records_nothing():
    parts = make_parts()
    parts.seed()
    parts.executor.execute(1, plan(LOW_BUY, "b3-1a2b3c4d-1-0"))
    # Another ledger on the same account (or this one restored from a backup): it never wrote it ahead.
    behind = make_parts(Database.in_memory(), engine=parts.engine, clock=parts.clock)
    behind.seed()
    events = behind.event_count()
    with pytest.raises(LedgerBehindExchange) as refused:
        behind.reconcile()
    message = str(refused.value)
    assert "b3-1a2b3c4d-1-0 (BTCTRY buy open order)" in message
    assert "runbooks/exchange-and-ledger-disagree.md" in message
    assert behind.event_count() == events
    assert behind.db.foreign_orders.open() == [] and behind.db.orders.all() == []


def test_the_refusal_names_at_most_five():
    parts = make_parts()
    parts.seed()
    for n in range(7):
        parts.executor.execute(1, plan(LOW_BUY, f"b3-1a2b3c4d-1-{n}"))
    behind = make_parts(Database.in_memory(), engine=parts.engine, clock=parts.clock)
    behind.seed()
    with pytest.raises(
        LedgerBehindExchange, match=r"does not know 7 .*-1-4 \(BTCTRY buy open order\) and 2 more"
    ):
        behind.reconcile()


def test_a_trade_of_this_bot_since_the_ledger_opened_that_it_lacks_refuses_and_records_nothing():
    behind_db = Database.in_memory()
    parts = make_parts()
    behind = make_parts(behind_db, engine=parts.engine, clock=parts.clock)
    behind.seed()  # opened before the trade: the trade is not history it already holds
    parts.clock.advance(1_000)
    taker = SubmitIntent(symbol="BTCTRY", side=Side.BUY, price=D("1400100"), quantity=D("0.001"))
    parts.executor.execute(1, plan(taker, "b3-1a2b3c4d-1-0"))  # filled at once: no open order left
    assert parts.gateway.open_orders() == []
    events = behind.event_count()
    with pytest.raises(LedgerBehindExchange, match=r"b3-1a2b3c4d-1-0 \(BTCTRY buy trade\)"):
        behind.reconcile()
    assert behind.event_count() == events
    assert behind.db.fills.count() == 0 and behind.db.balances.all() == {"TRY": D("100000")}


def test_trades_of_a_retired_ledger_before_this_one_opened_are_history_not_a_refusal():
    parts = make_parts()
    taker = SubmitIntent(symbol="BTCTRY", side=Side.BUY, price=D("1400100"), quantity=D("0.001"))
    parts.executor.execute(1, plan(taker, "b3-1a2b3c4d-1-0"))
    parts.clock.advance(1_000)
    fresh = make_parts(Database.in_memory(), engine=parts.engine, clock=parts.clock)
    fresh.seed()  # its opening balances already hold that trade
    fresh.reconcile()
    assert fresh.db.fills.count() == 0


def test_a_paper_account_rebuilt_from_its_ledger_never_finds_the_ledger_behind(tmp_path):
    from bot.app.paper_account import open_paper_engine
    from bot.config import load_settings

    settings = load_settings(None, {}).settings
    path = tmp_path / "paper.sqlite"
    with Database.open(path) as db:
        parts = make_parts(db, engine=open_paper_engine(settings, DATASET.pairs, db))
        parts.seed()
        parts.executor.execute(1, plan(LOW_BUY, "b3-1a2b3c4d-1-0"))
        taker = SubmitIntent(symbol="BTCTRY", side=Side.BUY, price=D("1400100"), quantity=D("0.001"))
        parts.executor.execute(1, plan(taker, "b3-1a2b3c4d-1-1"))
        parts.reconcile()
        clock = parts.clock
    with Database.open(path) as db:  # a restart: the paper account comes back from the ledger
        restarted = make_parts(db, engine=open_paper_engine(settings, DATASET.pairs, db), clock=clock)
        restarted.reconcile()
        assert db.orders.get("b3-1a2b3c4d-1-0").status is OrderStatus.OPEN
        assert db.fills.count() == 1 and db.foreign_orders.open() == []
