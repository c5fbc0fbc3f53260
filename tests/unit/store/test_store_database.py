from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from bot.store import Database, DatabaseTooNew, StoreError
from bot.store.migrations import latest_version


def test_open_migrates_and_records_user_version(ledger_path: Path) -> None:
    with Database.open(ledger_path) as db:
        assert db.schema_version == latest_version() >= 1
        conn = db.connection
        assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
        assert conn.execute("PRAGMA foreign_keys").fetchone()[0] == 1
        assert conn.execute("PRAGMA busy_timeout").fetchone()[0] == 5000
        assert conn.execute("PRAGMA synchronous").fetchone()[0] == 2  # FULL
        tables = {row[0] for row in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
    assert {"events", "orders", "fills", "balances", "positions", "cycles", "decisions", "state"} <= tables


def test_reopening_is_a_no_op_migration(ledger_path: Path) -> None:
    Database.open(ledger_path).close()
    with Database.open(ledger_path, synchronous="NORMAL") as db:
        assert db.schema_version == latest_version()
        assert db.connection.execute("PRAGMA synchronous").fetchone()[0] == 1  # NORMAL


def test_newer_database_is_refused_and_left_untouched(ledger_path: Path) -> None:
    conn = sqlite3.connect(ledger_path)
    conn.execute("CREATE TABLE future (x TEXT)")
    conn.execute(f"PRAGMA user_version = {latest_version() + 5}")
    conn.commit()
    conn.close()
    before = ledger_path.read_bytes()

    with pytest.raises(DatabaseTooNew) as raised:
        Database.open(ledger_path)

    message = str(raised.value)
    assert str(ledger_path.resolve()) in message
    assert str(latest_version() + 5) in message and str(latest_version()) in message
    assert "upgrade bot" in message
    assert ledger_path.read_bytes() == before
    assert not Path(f"{ledger_path}-wal").exists()
    assert isinstance(raised.value, StoreError)


def test_corrupt_file_is_refused_naming_it(ledger_path: Path) -> None:
    ledger_path.write_bytes(b"this is not a database, just some text that is long enough" * 20)
    before = ledger_path.read_bytes()
    with pytest.raises(StoreError, match=r"ledger\.db"):
        Database.open(ledger_path)
    assert ledger_path.read_bytes() == before


def test_foreign_sqlite_database_is_refused(ledger_path: Path) -> None:
    conn = sqlite3.connect(ledger_path)
    conn.execute("CREATE TABLE something_else (x TEXT)")
    conn.commit()
    conn.close()
    with pytest.raises(StoreError, match="not a bot ledger"):
        Database.open(ledger_path)


def test_missing_file_without_create(ledger_path: Path) -> None:
    with pytest.raises(StoreError, match="no ledger"):
        Database.open(ledger_path, create=False)
    assert not ledger_path.exists()


def test_one_connection_per_process(ledger_path: Path) -> None:
    with Database.open(ledger_path), pytest.raises(StoreError, match="already open"):
        Database.open(ledger_path)
    Database.open(ledger_path).close()  # released on close


def test_open_readonly_reads_but_cannot_write(ledger_path: Path) -> None:
    Database.open(ledger_path).close()
    with Database.open_readonly(ledger_path) as db:
        assert db.events.count() == 0
        with pytest.raises(StoreError, match="read-only"):
            db.unit_of_work()


def test_events_table_rejects_update_and_delete(database: Database) -> None:
    from store_builders import healthy_ledger

    healthy_ledger(database)
    conn = database.connection
    with pytest.raises(sqlite3.IntegrityError, match="append-only"):
        conn.execute("UPDATE events SET payload = '{}' WHERE seq = 1")
    with pytest.raises(sqlite3.IntegrityError, match="append-only"):
        conn.execute("DELETE FROM events WHERE seq = 1")
    assert database.events.count() == 10
