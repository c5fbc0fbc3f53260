"""Parity fingerprints: did two runs decide and trade the same, cycle by cycle?

A ledger's fingerprint is a SHA-256 over its canonical trading record: per cycle, in ledger order,
the decisions, the orders' lives (write-ahead, acceptance, rejection, uncertainty, cancel request,
cancel, fill) and the universe, risk-mode and kill-switch transitions. What differs between two faithful
runs of the same thing is left out, so equal behaviour gives equal fingerprints:
- times (`ts_ms` and every other `*_ms`): a paper run's are wall-clock;
- the ledger's id inside client order ids (`b7-1a2b3c4d-17-0` becomes `b7-*-17-0`);
- ids the exchange assigns (`exchange_order_id`, `trade_id`) and the ledger's own sequence numbers.
Each cycle also has a digest of its own, so `compare` names the first cycle where two ledgers part
and the first record that differs there. Cycles are identified by their id; events before the
first cycle (opening balances, the ledger's own markers) are not part of the record.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterator
from dataclasses import dataclass, field

from bot.domain.events import EventType
from bot.store.db import Database
from bot.store.payloads import JsonValue, dumps, loads

SCHEMA = "bot-parity/1"
RECORDED = frozenset(
    t.value
    for t in (
        EventType.DECISION_RECORDED,
        EventType.ORDER_SUBMIT_REQUESTED,
        EventType.ORDER_ACCEPTED,
        EventType.ORDER_REJECTED,
        EventType.ORDER_SUBMIT_UNCERTAIN,
        EventType.ORDER_MARKED_UNKNOWN,
        EventType.ORDER_MISSING_ON_EXCHANGE,
        EventType.ORDER_CANCEL_REQUESTED,
        EventType.ORDER_CANCELED,
        EventType.ORDER_FILLED,
        EventType.RISK_MODE_CHANGED,
        EventType.KILL_SWITCH_CHANGED,
        EventType.UNIVERSE_CHANGED,
    )
)
_DROPPED = frozenset({"exchange_order_id", "trade_id", "seq"})
_CLIENT_ID = re.compile(r"\b(b\d)-[0-9a-f]{8}-(\d+-\d+)\b")


@dataclass(frozen=True, slots=True)
class CycleRecord:
    cycle_id: int
    digest: str
    records: tuple[str, ...]  # "Type {canonical payload}", in ledger order


@dataclass(frozen=True, slots=True)
class Fingerprint:
    digest: str
    cycles: tuple[CycleRecord, ...] = field(repr=False)

    @property
    def counts(self) -> dict[str, int]:
        kinds: dict[str, int] = {}
        for cycle in self.cycles:
            for record in cycle.records:
                kind = record.split(" ", 1)[0]
                kinds[kind] = kinds.get(kind, 0) + 1
        return dict(sorted(kinds.items()))


@dataclass(frozen=True, slots=True)
class Divergence:
    cycle_id: int | None  # None: one ledger has cycles the other lacks, from `index` on
    index: int  # position of the cycle in both records
    left: str | None  # the first record that differs (None: absent on that side)
    right: str | None

    def describe(self) -> str:
        where = f"cycle {self.cycle_id}" if self.cycle_id is not None else f"cycle number {self.index + 1}"
        left, right = self.left or "(nothing)", self.right or "(nothing)"
        return f"first divergence at {where}:\n  A: {left}\n  B: {right}"


def canonical(value: JsonValue) -> JsonValue:
    """`value` without times, exchange-assigned ids and ledger ids (see the module docstring)."""
    if isinstance(value, dict):
        return {
            key: canonical(inner)
            for key, inner in value.items()
            if key not in _DROPPED and not key.endswith("_ms")
        }
    if isinstance(value, list):
        return [canonical(inner) for inner in value]
    if isinstance(value, str):
        return _CLIENT_ID.sub(r"\1-*-\2", value)
    return value


def fingerprint(database: Database) -> Fingerprint:
    """The ledger's fingerprint, read in one snapshot."""
    cycles: list[CycleRecord] = []
    whole = hashlib.sha256(SCHEMA.encode())
    for cycle_id, records in _cycles(database):
        digest = hashlib.sha256("\n".join(records).encode()).hexdigest()
        whole.update(f"{cycle_id}:{digest}\n".encode())
        cycles.append(CycleRecord(cycle_id=cycle_id, digest=digest, records=tuple(records)))
    return Fingerprint(digest=whole.hexdigest(), cycles=tuple(cycles))


def compare(a: Fingerprint, b: Fingerprint) -> Divergence | None:
    """None when the fingerprints are equal; else where the records first part."""
    if a.digest == b.digest:
        return None
    for index, (left, right) in enumerate(zip(a.cycles, b.cycles, strict=False)):
        if left.cycle_id != right.cycle_id or left.digest != right.digest:
            for l_rec, r_rec in zip(left.records, right.records, strict=False):
                if l_rec != r_rec:
                    return Divergence(cycle_id=left.cycle_id, index=index, left=l_rec, right=r_rec)
            shorter = min(len(left.records), len(right.records))
            return Divergence(
                cycle_id=left.cycle_id,
                index=index,
                left=left.records[shorter] if len(left.records) > shorter else None,
                right=right.records[shorter] if len(right.records) > shorter else None,
            )
    index = min(len(a.cycles), len(b.cycles))
    extra_a = a.cycles[index] if len(a.cycles) > index else None
    extra_b = b.cycles[index] if len(b.cycles) > index else None
    return Divergence(
        cycle_id=None,
        index=index,
        left=f"cycle {extra_a.cycle_id} and {len(a.cycles) - index - 1} more" if extra_a else None,
        right=f"cycle {extra_b.cycle_id} and {len(b.cycles) - index - 1} more" if extra_b else None,
    )


def _cycles(database: Database) -> Iterator[tuple[int, list[str]]]:
    started = EventType.CYCLE_STARTED.value
    current: int | None = None
    records: list[str] = []
    with database.read():
        cursor = database.connection.execute("SELECT type, payload FROM events ORDER BY seq")
        for event_type, text in cursor:
            if event_type == started:
                if current is not None:
                    yield current, records
                current, records = int(str(loads(str(text))["cycle_id"])), []
            elif current is not None and event_type in RECORDED:
                records.append(f"{event_type} {dumps(canonical(loads(str(text))))}")  # type: ignore[arg-type]
    if current is not None:
        yield current, records
