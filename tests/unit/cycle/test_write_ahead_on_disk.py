"""The exchange never hears of an order or a cancel that the ledger file does not already hold:
at every submit the order's write-ahead intent and its approved decision, at every cancel the
cancel request, are committed. Checked through a second connection, which sees only what is
committed (the daemon's own connection would see its uncommitted writes too)."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from bot.domain.orders import SubmitAck, SubmitOrder
from bot.store import Database
from bot.testing.cycles import CycleRun, cycle_settings

REPO = Path(__file__).resolve().parents[3]
SYMBOLS = "BTCTRY,ETHTRY,XRPTRY"


@pytest.fixture
def ledger(tmp_path: Path) -> Iterator[tuple[Path, CycleRun]]:
    path = tmp_path / "ledger.sqlite"
    database = Database.open(path)
    settings = cycle_settings(dataset=REPO / "replays" / "synthetic", **{"universe.symbols": SYMBOLS})
    with CycleRun(settings, database, stage="3") as run:
        yield path, run
    database.close()


def committed(path: Path, sql: str, params: tuple[object, ...]) -> list[tuple[Any, ...]]:
    """What another process reading the ledger file sees now."""
    with sqlite3.connect(f"file:{path}?mode=ro", uri=True) as conn:
        return conn.execute(sql, params).fetchall()


class SpyGateway:
    """The paper gateway, asserting at each order and cancel that the ledger file already holds
    what the exchange is about to hear of."""

    def __init__(self, gateway: Any, path: Path) -> None:
        self._gateway = gateway
        self._path = path
        self.checked = 0

    def submit_order(self, command: SubmitOrder) -> SubmitAck:
        cid = command.client_order_id
        assert committed(self._path, "SELECT status FROM orders WHERE client_order_id = ?", (cid,)) == [
            ("pending_submit",)
        ], f"order {cid} left before its write-ahead intent was on disk"
        decided = committed(self._path, "SELECT verdict FROM decisions WHERE client_order_id = ?", (cid,))
        assert decided == [("approved",)], f"order {cid} left before its decision was on disk"
        self.checked += 1
        return self._gateway.submit_order(command)  # type: ignore[no-any-return]

    def cancel_order(self, exchange_order_id: str) -> None:
        rows = committed(
            self._path, "SELECT status FROM orders WHERE exchange_order_id = ?", (exchange_order_id,)
        )
        assert rows == [("cancel_requested",)], f"cancel of {exchange_order_id} left before it was on disk"
        self.checked += 1
        self._gateway.cancel_order(exchange_order_id)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._gateway, name)


def test_the_exchange_never_hears_of_an_order_or_cancel_the_ledger_file_does_not_hold(
    ledger: tuple[Path, CycleRun],
) -> None:
    path, run = ledger
    executor = run.runtime.executor
    spy = SpyGateway(executor._gateway, path)
    executor._gateway = spy  # type: ignore[assignment]
    results = [run.cycle() for _ in range(10)]
    submitted = sum(r.counters.get("submitted", 0) for r in results)
    canceled = sum(r.counters.get("cancel_requested", 0) for r in results)
    assert submitted and canceled and spy.checked == submitted + canceled
