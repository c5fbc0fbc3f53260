"""Ledger events of a cycle's run and what it keeps: cycles, decisions, state, risk modes, the
kill switch, the universe, the account's opening balances and drift, integrity checkpoints.

See `bot.store.ledger_events` for what every event class provides.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import ClassVar

from bot.domain.events import EventType
from bot.store.event_codec import decimal_texts, optional_decimal_text, text_list
from bot.store.payloads import Fields, JsonValue, Payload, canonicalise, dumps, loads


@dataclass(frozen=True, slots=True, kw_only=True)
class BalancesSeeded:
    """The account's opening balances (once per ledger; afterwards only fills move them)."""

    TYPE: ClassVar[EventType] = EventType.BALANCES_SEEDED
    balances: Mapping[str, Decimal]
    ts_ms: int

    def payload(self) -> Payload:
        return {"balances": decimal_texts(self.balances), "ts_ms": self.ts_ms}

    @classmethod
    def parse(cls, f: Fields) -> BalancesSeeded:
        return cls(balances=f.decimal_mapping("balances"), ts_ms=f.integer("ts_ms"))


@dataclass(frozen=True, slots=True, kw_only=True)
class CycleStarted:
    TYPE: ClassVar[EventType] = EventType.CYCLE_STARTED
    cycle_id: int
    stage: str
    mode: str
    ts_ms: int

    def payload(self) -> Payload:
        return {"cycle_id": self.cycle_id, "mode": self.mode, "stage": self.stage, "ts_ms": self.ts_ms}

    @classmethod
    def parse(cls, f: Fields) -> CycleStarted:
        return cls(
            cycle_id=f.integer("cycle_id"),
            stage=f.text("stage"),
            mode=f.text("mode"),
            ts_ms=f.integer("ts_ms"),
        )


@dataclass(frozen=True, slots=True, kw_only=True)
class CycleCompleted:
    TYPE: ClassVar[EventType] = EventType.CYCLE_COMPLETED
    cycle_id: int
    status: str
    duration_ms: int
    counters: Mapping[str, int]
    max_data_age_ms: int | None
    ts_ms: int

    def payload(self) -> Payload:
        return {
            "counters": canonicalise(self.counters),
            "cycle_id": self.cycle_id,
            "duration_ms": self.duration_ms,
            "max_data_age_ms": self.max_data_age_ms,
            "status": self.status,
            "ts_ms": self.ts_ms,
        }

    @classmethod
    def parse(cls, f: Fields) -> CycleCompleted:
        counters = f.mapping("counters")
        if not all(isinstance(v, int) and not isinstance(v, bool) for v in counters.values()):
            raise f.error("counters", "an object of integer counters")
        return cls(
            cycle_id=f.integer("cycle_id"),
            status=f.text("status"),
            duration_ms=f.integer("duration_ms"),
            counters={key: int(value) for key, value in counters.items()},  # type: ignore[arg-type]  # checked
            max_data_age_ms=f.optional_integer("max_data_age_ms"),
            ts_ms=f.integer("ts_ms"),
        )


@dataclass(frozen=True, slots=True, kw_only=True)
class DecisionRecorded:
    """One risk decision of a cycle, with the client order id an approved submit will use."""

    TYPE: ClassVar[EventType] = EventType.DECISION_RECORDED
    cycle_id: int
    action_key: str
    symbol: str
    side: str | None
    kind: str
    verdict: str
    reason_code: str
    layer: str
    price: Decimal | None
    requested_quantity: Decimal | None
    final_quantity: Decimal | None
    client_order_id: str | None
    rationale: str
    details: Mapping[str, object]
    ts_ms: int

    def payload(self) -> Payload:
        return {
            "action_key": self.action_key,
            "client_order_id": self.client_order_id,
            "cycle_id": self.cycle_id,
            "details": canonicalise(self.details),
            "final_quantity": optional_decimal_text(self.final_quantity),
            "kind": self.kind,
            "layer": self.layer,
            "price": optional_decimal_text(self.price),
            "rationale": self.rationale,
            "reason_code": self.reason_code,
            "requested_quantity": optional_decimal_text(self.requested_quantity),
            "side": self.side,
            "symbol": self.symbol,
            "ts_ms": self.ts_ms,
            "verdict": self.verdict,
        }

    @classmethod
    def parse(cls, f: Fields) -> DecisionRecorded:
        return cls(
            cycle_id=f.integer("cycle_id"),
            action_key=f.text("action_key"),
            symbol=f.text("symbol"),
            side=f.optional_text("side"),
            kind=f.text("kind"),
            verdict=f.text("verdict"),
            reason_code=f.text("reason_code"),
            layer=f.text("layer"),
            price=f.optional_decimal("price"),
            requested_quantity=f.optional_decimal("requested_quantity"),
            final_quantity=f.optional_decimal("final_quantity"),
            client_order_id=f.optional_text("client_order_id"),
            rationale=f.optional_text("rationale") or "",
            details=f.mapping("details"),
            ts_ms=f.integer("ts_ms"),
        )


@dataclass(frozen=True, slots=True, kw_only=True)
class StateChanged:
    """A whole state value under `key`: plain text (a string), or a structured value (a JSON
    object, recorded as an object inside the payload: never JSON text inside JSON). The `state`
    table holds `text()` either way, so ledgers written before objects were recorded (their
    structured values are strings of canonical JSON) project to the same rows.
    """

    TYPE: ClassVar[EventType] = EventType.STATE_CHANGED
    key: str
    value: str | dict[str, JsonValue]
    ts_ms: int

    def text(self) -> str:
        """The value as the `state` table holds it: the string, or the object's canonical JSON."""
        return self.value if isinstance(self.value, str) else dumps(self.value)

    def document(self) -> Payload:
        """The structured value: the object, or (in older ledgers) the string's JSON, parsed.
        Raises ValueError for a string that is not a JSON object without floats."""
        return self.value if isinstance(self.value, dict) else loads(self.value)

    def payload(self) -> Payload:
        return {"key": self.key, "ts_ms": self.ts_ms, "value": self.value}

    @classmethod
    def parse(cls, f: Fields) -> StateChanged:
        value = f.raw("value")
        if not isinstance(value, str | dict):
            raise f.error("value", "a string or an object")
        return cls(key=f.text("key"), value=value, ts_ms=f.integer("ts_ms"))


@dataclass(frozen=True, slots=True, kw_only=True)
class StatePatched:
    """What changed in the JSON state value under `key` (`bot.store.state_patch`)."""

    TYPE: ClassVar[EventType] = EventType.STATE_PATCHED
    key: str
    patch: JsonValue
    ts_ms: int

    def payload(self) -> Payload:
        return {"key": self.key, "patch": self.patch, "ts_ms": self.ts_ms}

    @classmethod
    def parse(cls, f: Fields) -> StatePatched:
        return cls(key=f.text("key"), patch=f.raw("patch"), ts_ms=f.integer("ts_ms"))


@dataclass(frozen=True, slots=True, kw_only=True)
class RiskModeChanged:
    TYPE: ClassVar[EventType] = EventType.RISK_MODE_CHANGED
    source: str
    from_mode: str
    to_mode: str
    causes: tuple[str, ...]
    cycle_id: int
    ts_ms: int

    def payload(self) -> Payload:
        return {
            "causes": list(self.causes),
            "cycle_id": self.cycle_id,
            "from_mode": self.from_mode,
            "source": self.source,
            "to_mode": self.to_mode,
            "ts_ms": self.ts_ms,
        }

    @classmethod
    def parse(cls, f: Fields) -> RiskModeChanged:
        return cls(
            source=f.text("source"),
            from_mode=f.text("from_mode"),
            to_mode=f.text("to_mode"),
            causes=text_list(f, "causes"),
            cycle_id=f.integer("cycle_id"),
            ts_ms=f.integer("ts_ms"),
        )


@dataclass(frozen=True, slots=True, kw_only=True)
class KillSwitchChanged:
    """The kill switch engaged (`tripped`) or cleared; `switch` is its whole new state."""

    TYPE: ClassVar[EventType] = EventType.KILL_SWITCH_CHANGED
    switch: Mapping[str, object]
    action: str
    note: str
    ts_ms: int

    def payload(self) -> Payload:
        return {
            "action": self.action,
            "note": self.note,
            "switch": canonicalise(self.switch),
            "ts_ms": self.ts_ms,
        }

    @classmethod
    def parse(cls, f: Fields) -> KillSwitchChanged:
        return cls(
            switch=f.mapping("switch"), action=f.text("action"), note=f.text("note"), ts_ms=f.integer("ts_ms")
        )


@dataclass(frozen=True, slots=True, kw_only=True)
class UniverseChanged:
    TYPE: ClassVar[EventType] = EventType.UNIVERSE_CHANGED
    added: tuple[str, ...]
    removed: tuple[str, ...]
    reasons: Mapping[str, object]
    members: tuple[str, ...]
    cycle_id: int
    ts_ms: int

    def payload(self) -> Payload:
        return {
            "added": list(self.added),
            "cycle_id": self.cycle_id,
            "members": list(self.members),
            "reasons": canonicalise(self.reasons),
            "removed": list(self.removed),
            "ts_ms": self.ts_ms,
        }

    @classmethod
    def parse(cls, f: Fields) -> UniverseChanged:
        return cls(
            added=text_list(f, "added"),
            removed=text_list(f, "removed"),
            reasons=f.mapping("reasons"),
            members=text_list(f, "members"),
            cycle_id=f.integer("cycle_id"),
            ts_ms=f.integer("ts_ms"),
        )


@dataclass(frozen=True, slots=True, kw_only=True)
class BalanceDriftChanged:
    """The drift freeze starts (`frozen`) or clears; `drift`: the assets beyond tolerance."""

    TYPE: ClassVar[EventType] = EventType.BALANCE_DRIFT_CHANGED
    frozen: bool
    drift: Mapping[str, Decimal]
    ts_ms: int

    def payload(self) -> Payload:
        return {"drift": decimal_texts(self.drift), "frozen": self.frozen, "ts_ms": self.ts_ms}

    @classmethod
    def parse(cls, f: Fields) -> BalanceDriftChanged:
        frozen = f.raw("frozen")
        if not isinstance(frozen, bool):
            raise f.error("frozen", "true or false")
        return cls(frozen=frozen, drift=f.decimal_mapping("drift"), ts_ms=f.integer("ts_ms"))


@dataclass(frozen=True, slots=True, kw_only=True)
class LedgerChecked:
    """The start-up integrity check passed through `through_seq`; `snapshot` is its checkpoint."""

    TYPE: ClassVar[EventType] = EventType.LEDGER_CHECKED
    through_seq: int
    snapshot: Mapping[str, object]
    ts_ms: int

    def payload(self) -> Payload:
        return {"snapshot": canonicalise(self.snapshot), "through_seq": self.through_seq, "ts_ms": self.ts_ms}

    @classmethod
    def parse(cls, f: Fields) -> LedgerChecked:
        return cls(
            through_seq=f.integer("through_seq"), snapshot=f.mapping("snapshot"), ts_ms=f.integer("ts_ms")
        )
