"""Fixtures for ledger tests: a fresh file-backed ledger per test."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from bot.store import Database


@pytest.fixture
def ledger_path(tmp_path: Path) -> Path:
    return tmp_path / "ledger.db"


@pytest.fixture
def database(ledger_path: Path) -> Iterator[Database]:
    db = Database.open(ledger_path, synchronous="NORMAL")
    yield db
    db.close()
