"""`bot ledger verify`: one result on stdout as before; on a terminal, a progress line on stderr
that ends as a summary, also when the file turns out to be damaged halfway through."""

from __future__ import annotations

import io
import sqlite3
import sys
from decimal import Decimal
from pathlib import Path

import pytest

import bot.store.verify as verify
from bot.app.ledger_commands import ledger_verify
from bot.domain.events import EventType
from bot.store import Database
from bot.store.ledger_events import from_mapping

T0 = 1_700_000_000_000


class Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def build(path: Path, cycles: int) -> None:
    with Database.open(path, synchronous="NORMAL") as db, db.unit_of_work() as uow:
        uow.record(from_mapping(EventType.BALANCES_SEEDED, {"ts_ms": T0, "balances": {"TRY": Decimal(1000)}}))
        for cycle in range(1, cycles + 1):
            started = {"cycle_id": cycle, "ts_ms": T0 + cycle, "stage": "3", "mode": "paper"}
            uow.record(from_mapping(EventType.CYCLE_STARTED, started))
        uow.commit()


def test_on_a_terminal_progress_ends_as_a_summary_and_the_result_is_unchanged(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "ledger.sqlite"
    build(path, 9)
    monkeypatch.setattr(verify, "PROGRESS_EVERY", 4)
    terminal = Terminal()
    monkeypatch.setattr(sys, "stderr", terminal)
    ok, text = ledger_verify(path)
    assert (ok, text) == (True, "ledger OK: 10 events, hash chain intact, projections match")
    shown = terminal.getvalue().split("\r\x1b[K")[1:]
    assert shown[:4] == [
        "verifying ledger.sqlite: 0 of 10 events (0%)",
        "verifying ledger.sqlite: 4 of 10 events (40%)",
        "verifying ledger.sqlite: 8 of 10 events (80%)",
        "verifying ledger.sqlite: 10 of 10 events (100%)",
    ]
    assert shown[4].startswith("verified 10 of 10 events of ledger.sqlite in ")
    assert shown[4].endswith(" events/s\n") and len(shown) == 5


def test_off_a_terminal_nothing_but_the_result(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "ledger.sqlite"
    build(path, 3)
    assert ledger_verify(path) == (True, "ledger OK: 4 events, hash chain intact, projections match")
    assert capsys.readouterr() == ("", "")


def test_a_file_damaged_halfway_through_the_log_is_one_line_and_the_progress_line_is_ended(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "ledger.sqlite"
    build(path, 3000)
    with Database.open_readonly(path) as db:  # a leaf page of the log, well after its start
        page_size = db.connection.execute("PRAGMA page_size").fetchone()[0]
        try:
            pages = [row[0] for row in db.connection.execute(
                "SELECT pageno FROM dbstat WHERE name = 'events' AND pagetype = 'leaf' ORDER BY pageno"
            )]  # fmt: skip
        except sqlite3.OperationalError:
            pytest.skip("this SQLite has no dbstat table to find the log's pages with")
    with path.open("r+b") as file:
        file.seek((pages[len(pages) // 2] - 1) * page_size)
        file.write(b"\xff" * 64)
    monkeypatch.setattr(verify, "PROGRESS_EVERY", 100)
    terminal = Terminal()
    monkeypatch.setattr(sys, "stderr", terminal)
    ok, text = ledger_verify(path)
    assert not ok
    assert text.startswith(f"ledger verification FAILED: {path} is damaged (")
    assert "\n" not in text and "restore it from a backup" in text
    shown = terminal.getvalue().split("\r\x1b[K")
    assert "verifying ledger.sqlite: 100 of 3,001 events (3%)" in shown
    assert shown[-1].startswith("verified ") and " of 3,001 events of ledger.sqlite in " in shown[-1]
    assert shown[-1].endswith("\n") and not shown[-1].startswith("verified 3,001")
