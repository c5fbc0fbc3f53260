from __future__ import annotations

from decimal import Decimal
from pathlib import Path

from store_builders import T0, fill_payload, healthy_ledger, submit_payload

from bot.domain.events import EventType
from bot.store import Database, ledger_summary, render_summary, verify_ledger
from bot.store.ledger_events import from_mapping


def test_healthy_ledger_verifies(database: Database) -> None:
    healthy_ledger(database)
    report = verify_ledger(database)
    assert report.problems == []
    assert report.ok and report.events_checked == 10


def test_empty_ledger_verifies(database: Database) -> None:
    report = verify_ledger(database)
    assert report.ok and report.events_checked == 0


def test_verify_works_read_only_and_changes_nothing(ledger_path: Path) -> None:
    with Database.open(ledger_path) as database:
        healthy_ledger(database)
    before = ledger_path.read_bytes()
    with Database.open_readonly(ledger_path) as readonly:
        assert verify_ledger(readonly).ok
    assert ledger_path.read_bytes() == before


def test_tampered_balance_is_named_by_table_key_and_column(database: Database) -> None:
    healthy_ledger(database)
    database.connection.execute("UPDATE balances SET total = '99999' WHERE asset = 'TRY'")
    report = verify_ledger(database)
    assert not report.ok
    assert report.problems == ["balances[asset=TRY].total: ledger has '99999', events give '98599.874'"]


def test_tampered_order_status_and_extra_row(database: Database) -> None:
    healthy_ledger(database)
    conn = database.connection
    conn.execute("UPDATE orders SET status = 'open' WHERE client_order_id = 'b3-1-BTCTRY-buy-1'")
    conn.execute("INSERT INTO state (key, value, updated_ms) VALUES ('zzz', 'x', 1)")
    conn.execute("DELETE FROM positions")
    problems = verify_ledger(database).problems
    assert (
        "orders[client_order_id=b3-1-BTCTRY-buy-1].status: ledger has 'open', events give 'filled'"
        in problems
    )
    assert "state[key=zzz]: the ledger has a row the events do not give" in problems
    assert "positions[symbol=BTCTRY]: the ledger has no row, the events give one" in problems


def test_edited_payload_breaks_the_chain_at_its_seq(database: Database) -> None:
    healthy_ledger(database)
    conn = database.connection
    conn.execute("DROP TRIGGER events_no_update")
    conn.execute("UPDATE events SET payload = replace(payload, '0.126', '0.001') WHERE seq = 7")
    report = verify_ledger(database)
    assert not report.ok
    assert report.problems[0].startswith("events[seq=7].hash: stored ")
    # the replay of the edited payload also disagrees with the projections written live
    assert any(problem.startswith("balances[asset=TRY].total") for problem in report.problems)


def test_deleted_event_is_a_gap(database: Database) -> None:
    healthy_ledger(database)
    conn = database.connection
    conn.execute("DROP TRIGGER events_no_delete")
    conn.execute("DELETE FROM events WHERE seq = 9")
    problems = verify_ledger(database).problems
    assert problems[0] == "events: seq 10 where 9 was expected (the log has a gap)"
    assert "state[key=kill_switch]: the ledger has a row the events do not give" in problems


def test_summary_renders_the_ledger(database: Database) -> None:
    healthy_ledger(database)
    with database.unit_of_work() as uow:
        uow.record(
            from_mapping(EventType.ORDER_SUBMIT_REQUESTED, submit_payload("b3-2-BTCTRY-buy-1", cycle_id=2))
        )
        uow.record(
            from_mapping(
                EventType.ORDER_FILLED,
                fill_payload(
                    "t-9", client_order_id="b3-2-BTCTRY-buy-1", quantity=Decimal("0.0002"), ts_ms=T0 + 9
                ),
            )
        )
        uow.commit()
    summary = ledger_summary(database)
    assert summary.fill_count == 2 and summary.event_count == 12
    assert [order.client_order_id for order in summary.working_orders] == ["b3-2-BTCTRY-buy-1"]
    text = render_summary(summary)
    assert "TRY" in text and "98319.748" in text  # 98599.874 - 280 - 0.126
    assert "b3-2-BTCTRY-buy-1" in text and "partially_filled" in text
    assert "#1" in text and "fills=1" in text
