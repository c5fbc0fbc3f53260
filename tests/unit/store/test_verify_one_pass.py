"""`bot ledger verify` reads the log once, lazily, and holds none of it: what it checks is the same."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from decimal import Decimal

import pytest
from store_builders import T0, healthy_ledger, submit_payload

import bot.store.verify as verify
from bot.domain.events import EventType
from bot.store import Database, StoreError, event_log, verify_ledger
from bot.store.ledger_events import from_mapping
from bot.store.payloads import Payload, dumps, loads

REAL_SCRATCH = verify._scratch


def append_raw(database: Database, event_type: str, payload: str, ts_ms: int = T0 + 5_000) -> None:
    """An event in the chain (hash and all) that no projection saw: what an edited log looks like."""
    conn = database.connection
    conn.execute("BEGIN IMMEDIATE")
    event_log.append(conn, ts_ms=ts_ms, event_type=event_type, payload=payload)
    conn.execute("COMMIT")


class Recorder:
    """An observer of the pass that notes what it saw and how much of the log had been read by then."""

    def __init__(self, pulled: list[int] | None = None) -> None:
        self.pulled = pulled if pulled is not None else []
        self.seen: list[tuple[int, str, int]] = []  # seq, type, rows read from the log by then
        self.calls: list[str] = []

    def begin(self, database: Database) -> None:
        self.calls.append("begin")

    def event(self, seq: int, event_type: str, payload: Payload) -> None:
        assert payload.get("ts_ms") is not None
        self.seen.append((seq, event_type, len(self.pulled)))

    def unreadable(self, seq: int, event_type: str, error: ValueError) -> None:
        self.seen.append((seq, event_type, len(self.pulled)))

    def end(self, database: Database) -> None:
        self.calls.append("end")


def test_the_pass_reads_the_log_one_event_at_a_time(database: Database, monkeypatch) -> None:
    healthy_ledger(database)
    pulled: list[int] = []
    real_rows = event_log.rows

    def counted(conn: sqlite3.Connection) -> Iterator[event_log.EventRow]:
        for row in real_rows(conn):
            pulled.append(row[0])
            yield row

    monkeypatch.setattr(verify.event_log, "rows", counted)
    recorder = Recorder(pulled)
    report = verify_ledger(database, observers=[recorder])
    assert report.ok and report.events_checked == 10
    # When the observer sees event n, the pass has read exactly n rows: nothing read ahead, nothing kept.
    assert [(seq, read) for seq, _, read in recorder.seen] == [(n, n) for n in range(1, 11)]
    assert recorder.seen[0][1] == "BalancesSeeded" and recorder.calls == ["begin", "end"]


@contextmanager
def inspected_scratch(found: dict[str, object]) -> Iterator[sqlite3.Connection]:
    with REAL_SCRATCH() as scratch:
        yield scratch
        found["events"] = [row[0] for row in scratch.execute("SELECT type FROM events")]
        found["cache_size"] = scratch.execute("PRAGMA cache_size").fetchone()[0]
        found["journal_mode"] = scratch.execute("PRAGMA journal_mode").fetchone()[0]


def test_the_scratch_ledger_copies_no_event_but_the_seed_and_lives_in_a_file(
    database: Database, monkeypatch
) -> None:
    healthy_ledger(database)
    found: dict[str, object] = {}
    monkeypatch.setattr(verify, "_scratch", lambda: inspected_scratch(found))
    assert verify_ledger(database).ok
    assert found["events"] == ["BalancesSeeded"]  # the one event a projection consults
    assert found["cache_size"] == -verify.SCRATCH_CACHE_KIB  # KiB of memory at most; the rest on disk
    assert found["journal_mode"] == "delete"  # a temporary file, not ":memory:" (whose mode is "memory")


def test_a_second_seed_is_still_a_duplicate_on_replay(database: Database) -> None:
    healthy_ledger(database)
    append_raw(database, "BalancesSeeded", dumps({"balances": {"TRY": "1"}, "ts_ms": T0 + 5_000}))
    assert verify_ledger(database).problems == [
        "events[seq=11] (BalancesSeeded) is a duplicate on replay (record() would not have appended it)"
    ]


def half_done_ledger(database: Database) -> None:
    """A healthy ledger, an order written ahead, then two events that do not replay cleanly: one
    in non-canonical JSON, and an acceptance that opens the order before it fails on its payload
    (so its replay must be rolled back), then a healthy event."""
    healthy_ledger(database)
    with database.unit_of_work() as uow:
        uow.record(
            from_mapping(EventType.ORDER_SUBMIT_REQUESTED, submit_payload("b3-2-BTCTRY-buy-1", cycle_id=2))
        )
        uow.commit()
    append_raw(database, "StateChanged", '{"key": "zzz", "ts_ms": 1700000005000, "value": "x"}')
    append_raw(
        database, "OrderAccepted", dumps({"client_order_id": "b3-2-BTCTRY-buy-1", "ts_ms": T0 + 5_000})
    )
    with database.unit_of_work() as uow:
        uow.record(
            from_mapping(EventType.STATE_CHANGED, {"key": "kill_switch", "value": "on", "ts_ms": T0 + 6_000})
        )
        uow.commit()


HALF_DONE_PROBLEMS = [
    "events[seq=12] (StateChanged).payload is not canonical JSON",
    "events[seq=13] (OrderAccepted) cannot be replayed: OrderAccepted payload: 'exchange_order_id' is"
    " missing",
    "state[key=zzz]: the ledger has no row, the events give one",
]


@pytest.mark.parametrize("batch", [1, 2, 3, 256])
def test_an_event_that_fails_its_replay_leaves_nothing_and_each_problem_is_named_once(
    database: Database, monkeypatch, batch: int
) -> None:
    # Replayed under one savepoint per batch: a failed event rolls its batch back and the batch
    # is replayed event by event, so batch boundaries change nothing in what is found.
    monkeypatch.setattr(verify, "REPLAY_BATCH", batch)
    half_done_ledger(database)
    assert verify_ledger(database).problems == HALF_DONE_PROBLEMS


def test_a_payload_that_does_not_parse_is_named_and_the_replay_goes_on(database: Database) -> None:
    healthy_ledger(database)
    append_raw(database, "StateChanged", '{"key": "k", "ts_ms": 1700000005000, "value": 1.5}')
    append_raw(database, "StateChanged", "not json")
    with database.unit_of_work() as uow:
        uow.record(
            from_mapping(EventType.STATE_CHANGED, {"key": "kill_switch", "value": "on", "ts_ms": T0 + 6_000})
        )
        uow.commit()
    recorder = Recorder()
    assert verify_ledger(database, observers=[recorder]).problems == [
        "events[seq=11] (StateChanged) cannot be replayed: float 1.5 in a stored payload (decimals must be"
        " strings)",
        "events[seq=12] (StateChanged) cannot be replayed: Expecting value: line 1 column 1 (char 0)",
    ]
    assert [seq for seq, _, _ in recorder.seen] == list(range(1, 14))


def test_replay_problems_stop_at_twenty_but_the_pass_goes_to_the_end(database: Database) -> None:
    healthy_ledger(database)
    for n in range(25):
        append_raw(database, "StateChanged", f'{{"key": "k{n:02d}", "ts_ms": 1, "value": "x"}}', ts_ms=1)
    report = verify_ledger(database)
    assert report.events_checked == 35
    replay = [p for p in report.problems if p.startswith("events[")]
    assert len(replay) == verify.MAX_REPLAY_PROBLEMS
    assert replay[-1] == "events[seq=30] (StateChanged).payload is not canonical JSON"
    assert report.problems[-1] == "state[key=k00]: the ledger has no row, the events give one"


def test_progress_is_reported_while_the_pass_runs_and_at_its_end(database: Database, monkeypatch) -> None:
    healthy_ledger(database)
    monkeypatch.setattr(verify, "PROGRESS_EVERY", 4)
    calls: list[tuple[int, int]] = []
    verify_ledger(database, progress=lambda checked, total: calls.append((checked, total)))
    assert calls == [(0, 10), (4, 10), (8, 10), (10, 10)]


def test_a_scratch_ledger_that_runs_out_of_room_stops_verify_instead_of_blaming_an_event(
    database: Database, monkeypatch
) -> None:
    with database.unit_of_work() as uow:
        uow.record(from_mapping(EventType.BALANCES_SEEDED, {"ts_ms": T0, "balances": {"TRY": Decimal(1000)}}))
        for cycle in range(1, 200):
            uow.record(
                from_mapping(
                    EventType.CYCLE_STARTED, {"cycle_id": cycle, "ts_ms": T0, "stage": "3", "mode": "paper"}
                )
            )
        uow.commit()

    @contextmanager
    def full_scratch() -> Iterator[sqlite3.Connection]:
        with REAL_SCRATCH() as scratch:
            pages = scratch.execute("PRAGMA page_count").fetchone()[0]
            scratch.execute(f"PRAGMA max_page_count = {pages}")  # as a full disk would
            yield scratch

    monkeypatch.setattr(verify, "_scratch", full_scratch)
    with pytest.raises(StoreError, match=r"cannot verify: the scratch ledger .* full"):
        verify_ledger(database)
    assert not database.connection.in_transaction


PAYLOAD_TEXTS = [
    '{"a":1,"b":"x"}',
    '{"b":1,"a":{"c":[1,2,{"d":null}],"e":true,"f":false}}',
    '{"a": 1}',
    ' {"a":1}',
    '{"a":1} ',
    '{"a":1}x',
    '{"a":1.5}',
    '{"a":1e3}',
    '{"a":NaN}',
    '{"a":"\\u00e7 ş"}',
    '{"a":123456789012345678901234567890}',
    '{"a":1,"a":2}',
    "[1,2]",
    '"text"',
    "",
    "{",
]


@pytest.mark.parametrize("text", PAYLOAD_TEXTS)
def test_the_pass_parses_and_serialises_payloads_exactly_as_the_store_does(text: str) -> None:
    def outcome(function, value):  # type: ignore[no-untyped-def]
        try:
            return ("value", function(value))
        except ValueError as error:
            return ("error", str(error))

    parsed = outcome(loads, text)
    assert repr(outcome(verify._parse, text)) == repr(parsed)  # repr: NaN is not equal to itself
    if parsed[0] == "value":
        assert outcome(verify._canonical, parsed[1]) == outcome(dumps, parsed[1])


def several_cycles_tampered(database: Database) -> None:
    healthy_ledger(database)
    with database.unit_of_work() as uow:
        for cycle in range(2, 9):
            started = {"cycle_id": cycle, "ts_ms": T0 + cycle, "stage": "stage3", "mode": "paper"}
            uow.record(from_mapping(EventType.CYCLE_STARTED, started))
        uow.commit()
    conn = database.connection
    conn.execute("UPDATE cycles SET mode = 'live' WHERE cycle_id = 5")
    conn.execute("DELETE FROM cycles WHERE cycle_id = 8")
    conn.execute("INSERT INTO state (key, value, updated_ms) VALUES ('zzz', 'x', 1)")


@pytest.mark.parametrize("chunk", [1, 2, 3, 4, 2048])
def test_tables_compared_in_chunks_name_the_same_first_difference(
    database: Database, monkeypatch, chunk: int
) -> None:
    monkeypatch.setattr(verify, "COMPARE_ROWS", chunk)
    several_cycles_tampered(database)
    assert verify_ledger(database).problems == [
        "cycles[cycle_id=5].mode: ledger has 'live', events give 'paper'",
        "state[key=zzz]: the ledger has a row the events do not give",
    ]
    database.connection.execute("UPDATE cycles SET mode = 'paper' WHERE cycle_id = 5")
    assert verify_ledger(database).problems == [
        "cycles[cycle_id=8]: the ledger has no row, the events give one",
        "state[key=zzz]: the ledger has a row the events do not give",
    ]
