"""The start-up integrity check (bot.store.integrity), the head marker and fencing.

Each damage is made the way an operator (or a disk) would make it: with plain sqlite3 on the
file, triggers dropped where the log refuses edits. Every refusal must name the first difference
and leave the ledger exactly as it was.
"""

from __future__ import annotations

import json
import shutil
import sqlite3
from decimal import Decimal
from pathlib import Path

import pytest
from tests.unit.store.store_builders import T0, fill_payload, healthy_ledger, submit_payload

from bot.domain.events import EventType
from bot.store import Database, StoreError, verify_ledger
from bot.store.db import FENCING_KEY
from bot.store.errors import FencingLost, LedgerRefused
from bot.store.head import check_head, marker_path, write_head
from bot.store.integrity import check_ledger
from bot.store.ledger_events import from_mapping


def _tamper(path: Path, *statements: str) -> None:
    with sqlite3.connect(path) as conn:
        for statement in statements:
            conn.execute(statement)


def _dump(path: Path) -> list[str]:
    with sqlite3.connect(path) as conn:
        return list(conn.iterdump())


@pytest.fixture
def checked(ledger_path: Path) -> Path:
    """A healthy ledger that passed one check (so it has a checkpoint), closed."""
    with Database.open(ledger_path) as db:
        healthy_ledger(db)
        report = check_ledger(db, now_ms=T0 + 10_000)
        assert report.checkpointed and report.checkpoint_seq is None
    return ledger_path


def _check(path: Path) -> None:
    with Database.open(path) as db:
        check_ledger(db, now_ms=T0 + 20_000)


def test_a_sound_ledger_passes_and_the_next_check_starts_from_its_checkpoint(checked: Path) -> None:
    with Database.open(checked) as db:
        report = check_ledger(db, now_ms=T0 + 20_000)
        assert report.checkpoint_seq == db.events.count()  # the checkpoint is the newest event
        assert report.replayed == 1 and not report.checkpointed  # nothing new: no new checkpoint
        with db.unit_of_work() as uow:
            uow.record(
                from_mapping(EventType.STATE_CHANGED, {"key": "x", "value": "1", "ts_ms": T0 + 30_000})
            )
            uow.commit()
        report = check_ledger(db, now_ms=T0 + 40_000)
        assert report.replayed == 2 and report.checkpointed
        assert verify_ledger(db).ok  # verify agrees with every checkpoint's snapshot


@pytest.mark.parametrize(
    ("damage", "named"),
    [
        # A settled order edited back to working: the daemon would cancel or count it.
        ("UPDATE orders SET status = 'open' WHERE client_order_id = 'b3-1-BTCTRY-buy-1'", "orders["),
        ("UPDATE balances SET total = '999999' WHERE asset = 'TRY'", "balances[asset=TRY].total"),
        ("UPDATE positions SET quantity = '5' WHERE symbol = 'BTCTRY'", "positions[symbol=BTCTRY]"),
        ("UPDATE state SET value = 'on' WHERE key = 'kill_switch'", "state[key=kill_switch]"),
        ("DELETE FROM state WHERE key = 'kill_switch'", "state[key=kill_switch]"),
        (
            "INSERT INTO orders VALUES"
            " ('ghost', NULL, 1, 'BTCTRY', 'buy', '1', '1', '0', 'unknown', 1, 1, NULL)",
            "orders[client_order_id=ghost]",
        ),
        # A foreign order counts against the caps: inventing or hiding one changes decisions.
        (
            "INSERT INTO foreign_orders VALUES ('fx', NULL, 'BTCTRY', 'buy', '1', '1', 1, NULL)",
            "foreign_orders[exchange_order_id=fx]",
        ),
    ],
)
def test_edited_projections_are_refused_naming_the_first_difference(
    checked: Path, damage: str, named: str
) -> None:
    _tamper(checked, damage)
    before = _dump(checked)
    with pytest.raises(LedgerRefused, match=r"refused: .*" + named.replace("[", r"\[")) as refused:
        _check(checked)
    assert "bot ledger verify --db" in str(refused.value)
    assert _dump(checked) == before  # nothing written, not even a checkpoint


def test_an_event_edited_after_the_checkpoint_breaks_the_chain(checked: Path) -> None:
    with Database.open(checked) as db, db.unit_of_work() as uow:
        uow.record(from_mapping(EventType.ORDER_FILLED, fill_payload("t-2", ts_ms=T0 + 50_000)))
        uow.commit()
    _tamper(
        checked,
        "DROP TRIGGER events_no_update",
        "UPDATE events SET payload = replace(payload, '\"t-2\"', '\"t-9\"') WHERE type = 'OrderFilled'"
        " AND seq = (SELECT MAX(seq) FROM events)",
    )
    with pytest.raises(LedgerRefused, match=r"hash: stored .* \(the event was altered\)"):
        _check(checked)


def test_a_deleted_event_anywhere_is_refused(checked: Path) -> None:
    _tamper(checked, "DROP TRIGGER events_no_delete", "DELETE FROM events WHERE seq = 3")
    with pytest.raises(LedgerRefused, match="events were deleted"):
        _check(checked)


def test_a_forged_checkpoint_snapshot_breaks_the_chain(checked: Path) -> None:
    _tamper(
        checked,
        "DROP TRIGGER events_no_update",
        "UPDATE balances SET total = '999999' WHERE asset = 'TRY'",
        "UPDATE events SET payload = replace(payload, '\"98599.874\"', '\"999999\"')"
        " WHERE type = 'LedgerChecked'",
    )
    with pytest.raises(LedgerRefused, match=r"LedgerChecked|the event was altered"):
        _check(checked)


def test_verify_rejects_a_checkpoint_whose_snapshot_lies_even_with_a_rehashed_chain(
    ledger_path: Path,
) -> None:
    with Database.open(ledger_path) as db:
        healthy_ledger(db)
        with db.unit_of_work() as uow:
            uow.record(
                from_mapping(
                    EventType.LEDGER_CHECKED,
                    {
                        "ts_ms": T0,
                        "through_seq": 1,
                        "snapshot": {"balances": {"columns": ["asset", "total"], "rows": [["TRY", "1"]]}},
                    },
                )
            )
            uow.commit()
        report = verify_ledger(db)
    assert not report.ok
    assert any("LedgerChecked" in p and "snapshot differs" in p for p in report.problems)


def test_a_settled_order_touched_after_the_checkpoint_is_not_a_false_alarm(checked: Path) -> None:
    # The buy filled before the checkpoint (settled, so not in the snapshot); a late trade report
    # for it and a status event after the checkpoint must replay onto its settled row.
    with Database.open(checked) as db:
        with db.unit_of_work() as uow:
            uow.record(from_mapping(EventType.ORDER_FILLED, fill_payload("t-late", ts_ms=T0 + 60_000)))
            uow.record(
                from_mapping(
                    EventType.ORDER_CANCELED, {"client_order_id": "b3-1-BTCTRY-buy-1", "ts_ms": T0 + 61_000}
                )
            )
            uow.record(
                from_mapping(
                    EventType.ORDER_SUBMIT_REQUESTED, submit_payload("b3-1-BTCTRY-buy-2", ts_ms=T0 + 62_000)
                )
            )
            uow.commit()
        report = check_ledger(db, now_ms=T0 + 70_000)
        assert report.checkpointed
        assert db.orders.get("b3-1-BTCTRY-buy-2") is not None


def test_a_ledger_without_a_checkpoint_is_checked_from_its_first_event(ledger_path: Path) -> None:
    with Database.open(ledger_path) as db:
        healthy_ledger(db)
    _tamper(ledger_path, "UPDATE balances SET total = '1' WHERE asset = 'BTC'")
    with pytest.raises(LedgerRefused, match=r"balances\[asset=BTC\]"):
        _check(ledger_path)


def test_a_ledger_behind_its_head_marker_is_refused_as_rolled_back(checked: Path, tmp_path: Path) -> None:
    backup = tmp_path / "backup.db"
    shutil.copyfile(checked, backup)  # an older copy of the (closed, checkpointed) file
    with Database.open(checked) as db:
        with db.unit_of_work() as uow:
            uow.record(
                from_mapping(EventType.STATE_CHANGED, {"key": "x", "value": "1", "ts_ms": T0 + 30_000})
            )
            uow.commit()
        write_head(db.path, db.connection)
    backup.replace(checked)  # restore the older copy over it; its head marker stays
    for leftover in ("-wal", "-shm"):
        Path(f"{checked}{leftover}").unlink(missing_ok=True)
    with Database.open(checked) as db, pytest.raises(LedgerRefused, match="rolled back"):
        check_head(db.path, db.connection)
    # A ledger ahead of its marker (a crash between a commit and the marker's write) is fine.
    marker_path(checked).write_text(json.dumps({"seq": 2, "hash": _hash_at(checked, 2)}))
    with Database.open(checked) as db:
        check_head(db.path, db.connection)


def _hash_at(path: Path, seq: int) -> str:
    with sqlite3.connect(path) as conn:
        return str(conn.execute("SELECT hash FROM events WHERE seq = ?", (seq,)).fetchone()[0])


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"", "the file is empty"),
        (b"not a database at all, just text" * 200, "not a bot ledger"),
    ],
)
def test_an_empty_or_foreign_file_is_refused_never_initialised(
    ledger_path: Path, content: bytes, message: str
) -> None:
    ledger_path.write_bytes(content)
    with pytest.raises(LedgerRefused, match=message) as refused:
        Database.open(ledger_path)
    assert ledger_path.read_bytes() == content
    assert "runbooks/ledger-refused-at-start.md" in str(refused.value)


def test_a_sqlite_file_without_a_schema_is_refused(ledger_path: Path) -> None:
    with sqlite3.connect(ledger_path) as conn:
        conn.execute("PRAGMA journal_mode = WAL")  # a header page, no tables, version 0
    with pytest.raises(LedgerRefused, match="no ledger schema"):
        Database.open(ledger_path)


def test_no_ledger_is_created_where_a_head_marker_says_one_was(ledger_path: Path) -> None:
    marker_path(ledger_path).write_text('{"seq": 40, "hash": "ab"}')
    with pytest.raises(LedgerRefused, match=r"was deleted or moved.*bot ledger init"):
        Database.open(ledger_path)
    assert not ledger_path.exists()


def test_a_write_after_another_process_took_the_ledger_over_is_fenced(ledger_path: Path) -> None:
    with Database.open(ledger_path) as db:
        with db.unit_of_work() as uow:
            uow.record(from_mapping(EventType.STATE_CHANGED, {"key": FENCING_KEY, "value": "1", "ts_ms": T0}))
            uow.commit()
        db.fence(1)
        with db.unit_of_work() as uow:  # still ours: writes pass
            uow.record(from_mapping(EventType.STATE_CHANGED, {"key": "a", "value": "1", "ts_ms": T0}))
            uow.commit()
        # Another process takes over (it may write even while we hold the connection).
        _tamper(
            ledger_path,
            f"UPDATE state SET value = '2' WHERE key = '{FENCING_KEY}'",
        )
        events = db.events.count()
        with pytest.raises(FencingLost, match="taken over by another process"), db.unit_of_work():
            pass
        assert db.events.count() == events
        with pytest.raises(FencingLost):  # and every later write, too
            db.unit_of_work().__enter__()


def test_a_full_disk_during_a_write_ahead_commit_records_nothing(ledger_path: Path) -> None:
    with Database.open(ledger_path) as db:
        healthy_ledger(db)
        pages = db.connection.execute("PRAGMA page_count").fetchone()[0]
        db.connection.execute(f"PRAGMA max_page_count = {pages}")  # the disk is full now
        events = db.events.count()
        with pytest.raises(StoreError, match="full") as full, db.unit_of_work() as uow:
            for n in range(200):  # enough rows to need a new page
                uow.record(
                    from_mapping(
                        EventType.ORDER_SUBMIT_REQUESTED,
                        submit_payload(f"b3-1-BTCTRY-buy-{n + 10}", quantity=Decimal("0.001")),
                    )
                )
            uow.commit()
        assert "free space" in str(full.value)
        assert db.events.count() == events
        assert db.orders.get("b3-1-BTCTRY-buy-10") is None
        assert not db.connection.in_transaction
