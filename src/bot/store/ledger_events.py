"""Typed ledger events: one frozen dataclass per event type, with explicit (de)serialisation.

`UnitOfWork.record(event)` takes one of these; `payload()` is the canonical JSON-ready dict the
hash chain covers (Decimals as canonical strings, docs/adr/0001-ledger-events.md) and
`decode(type, payload)` reads a stored payload back into the same class, refusing a missing or
mistyped field with a `StoreError`. The projections dispatch on the class, so the live path and
`ledger verify` apply exactly the same typed values. Stored payload keys never change: these
classes read every ledger written before them.

`decode(type, payload).payload() == payload` for every payload an event writes (property-tested).
Unknown keys in a stored payload are ignored, so a field added later does not break older readers.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace
from decimal import Decimal
from typing import ClassVar

from bot.domain.events import EventType
from bot.domain.money import canonical
from bot.domain.orders import Fill, Side
from bot.store.errors import StoreError
from bot.store.payloads import Fields, JsonValue, Payload, canonicalise


def _decimal(value: Decimal) -> str:
    # Typed fields are checked by mypy; this catches a float smuggled in at run time, as before.
    if type(value) is not Decimal:
        if isinstance(value, float):
            raise TypeError(f"float {value!r} refused in a ledger event; pass a Decimal")
        value = Decimal(value)
    if not value.is_finite():
        raise ValueError(f"{value} is not a finite decimal")
    return canonical(value)


def _optional_decimal(value: Decimal | None) -> str | None:
    return None if value is None else _decimal(value)


def _decimals(values: Mapping[str, Decimal]) -> dict[str, JsonValue]:
    return {str(key): _decimal(value) for key, value in values.items()}


def _texts(fields: Fields, key: str) -> tuple[str, ...]:
    values = fields.raw(key)
    if not isinstance(values, list) or not all(isinstance(v, str) for v in values):
        raise fields.error(key, "a list of strings")
    return tuple(str(v) for v in values)


def _side(fields: Fields) -> Side:
    try:
        return Side(fields.text("side"))
    except ValueError as e:
        raise fields.error("side", "'buy' or 'sell'") from e


@dataclass(frozen=True, slots=True, kw_only=True)
class BalancesSeeded:
    """The account's opening balances (once per ledger; afterwards only fills move them)."""

    TYPE: ClassVar[EventType] = EventType.BALANCES_SEEDED
    balances: Mapping[str, Decimal]
    ts_ms: int

    def payload(self) -> Payload:
        return {"balances": _decimals(self.balances), "ts_ms": self.ts_ms}

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
            "final_quantity": _optional_decimal(self.final_quantity),
            "kind": self.kind,
            "layer": self.layer,
            "price": _optional_decimal(self.price),
            "rationale": self.rationale,
            "reason_code": self.reason_code,
            "requested_quantity": _optional_decimal(self.requested_quantity),
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
class OrderSubmitRequested:
    """The write-ahead intent: recorded and committed before the order is sent."""

    TYPE: ClassVar[EventType] = EventType.ORDER_SUBMIT_REQUESTED
    client_order_id: str
    cycle_id: int
    symbol: str
    side: Side
    price: Decimal
    quantity: Decimal
    ts_ms: int

    def payload(self) -> Payload:
        return {
            "client_order_id": self.client_order_id,
            "cycle_id": self.cycle_id,
            "price": _decimal(self.price),
            "quantity": _decimal(self.quantity),
            "side": self.side.value,
            "symbol": self.symbol,
            "ts_ms": self.ts_ms,
        }

    @classmethod
    def parse(cls, f: Fields) -> OrderSubmitRequested:
        return cls(
            client_order_id=f.text("client_order_id"),
            cycle_id=f.integer("cycle_id"),
            symbol=f.text("symbol"),
            side=_side(f),
            price=f.decimal("price"),
            quantity=f.decimal("quantity"),
            ts_ms=f.integer("ts_ms"),
        )


@dataclass(frozen=True, slots=True, kw_only=True)
class OrderAccepted:
    TYPE: ClassVar[EventType] = EventType.ORDER_ACCEPTED
    client_order_id: str
    exchange_order_id: str
    ts_ms: int

    def payload(self) -> Payload:
        return {
            "client_order_id": self.client_order_id,
            "exchange_order_id": self.exchange_order_id,
            "ts_ms": self.ts_ms,
        }

    @classmethod
    def parse(cls, f: Fields) -> OrderAccepted:
        return cls(
            client_order_id=f.text("client_order_id"),
            exchange_order_id=f.text("exchange_order_id"),
            ts_ms=f.integer("ts_ms"),
        )


@dataclass(frozen=True, slots=True, kw_only=True)
class OrderRejected:
    """Refused by the exchange, never sent, or settled by the operator as not placed."""

    TYPE: ClassVar[EventType] = EventType.ORDER_REJECTED
    client_order_id: str
    code: int | None
    message: str
    ts_ms: int

    def payload(self) -> Payload:
        return {
            "client_order_id": self.client_order_id,
            "code": self.code,
            "message": self.message,
            "ts_ms": self.ts_ms,
        }

    @classmethod
    def parse(cls, f: Fields) -> OrderRejected:
        code = f.raw("code")
        if code is not None and (isinstance(code, bool) or not isinstance(code, int)):
            raise f.error("code", "an integer or null")
        return cls(
            client_order_id=f.text("client_order_id"),
            code=code,
            message=f.text("message"),
            ts_ms=f.integer("ts_ms"),
        )


@dataclass(frozen=True, slots=True, kw_only=True)
class _OrderNote:
    """An order status event carrying an optional explanation."""

    TYPE: ClassVar[EventType]
    client_order_id: str
    message: str | None
    ts_ms: int

    def payload(self) -> Payload:
        return {"client_order_id": self.client_order_id, "message": self.message, "ts_ms": self.ts_ms}


@dataclass(frozen=True, slots=True, kw_only=True)
class OrderSubmitUncertain(_OrderNote):
    """The submit's outcome is not known (timeout, lost response): resolved by lookup only."""

    TYPE: ClassVar[EventType] = EventType.ORDER_SUBMIT_UNCERTAIN

    @classmethod
    def parse(cls, f: Fields) -> OrderSubmitUncertain:
        return cls(
            client_order_id=f.text("client_order_id"),
            message=f.optional_text("message"),
            ts_ms=f.integer("ts_ms"),
        )


@dataclass(frozen=True, slots=True, kw_only=True)
class OrderMarkedUnknown(_OrderNote):
    """Lookups could not find it within the window: its symbol freezes until it is resolved."""

    TYPE: ClassVar[EventType] = EventType.ORDER_MARKED_UNKNOWN

    @classmethod
    def parse(cls, f: Fields) -> OrderMarkedUnknown:
        return cls(
            client_order_id=f.text("client_order_id"),
            message=f.optional_text("message"),
            ts_ms=f.integer("ts_ms"),
        )


@dataclass(frozen=True, slots=True, kw_only=True)
class OrderMissingOnExchange(_OrderNote):
    """Neither open nor found by lookup: the order becomes uncertain."""

    TYPE: ClassVar[EventType] = EventType.ORDER_MISSING_ON_EXCHANGE

    @classmethod
    def parse(cls, f: Fields) -> OrderMissingOnExchange:
        return cls(
            client_order_id=f.text("client_order_id"),
            message=f.optional_text("message"),
            ts_ms=f.integer("ts_ms"),
        )


@dataclass(frozen=True, slots=True, kw_only=True)
class OrderCancelRequested:
    TYPE: ClassVar[EventType] = EventType.ORDER_CANCEL_REQUESTED
    client_order_id: str
    reason: str | None
    ts_ms: int

    def payload(self) -> Payload:
        return {"client_order_id": self.client_order_id, "reason": self.reason, "ts_ms": self.ts_ms}

    @classmethod
    def parse(cls, f: Fields) -> OrderCancelRequested:
        return cls(
            client_order_id=f.text("client_order_id"),
            reason=f.optional_text("reason"),
            ts_ms=f.integer("ts_ms"),
        )


@dataclass(frozen=True, slots=True, kw_only=True)
class OrderCanceled:
    TYPE: ClassVar[EventType] = EventType.ORDER_CANCELED
    client_order_id: str
    ts_ms: int

    def payload(self) -> Payload:
        return {"client_order_id": self.client_order_id, "ts_ms": self.ts_ms}

    @classmethod
    def parse(cls, f: Fields) -> OrderCanceled:
        return cls(client_order_id=f.text("client_order_id"), ts_ms=f.integer("ts_ms"))


@dataclass(frozen=True, slots=True, kw_only=True)
class OrderFilled:
    """A trade: of one of this ledger's orders (`fill.client_order_id`), or of none (None).

    `base` and `quote` name the assets whose balances the fill moves.
    """

    TYPE: ClassVar[EventType] = EventType.ORDER_FILLED
    fill: Fill
    base: str
    quote: str

    @property
    def ts_ms(self) -> int:
        return self.fill.ts_ms

    @classmethod
    def of(cls, fill: Fill, *, base: str, quote: str, client_order_id: str | None) -> OrderFilled:
        return cls(fill=replace(fill, client_order_id=client_order_id), base=base, quote=quote)

    def payload(self) -> Payload:
        fill = self.fill
        return {
            "base": self.base,
            "client_order_id": fill.client_order_id,
            "exchange_order_id": fill.exchange_order_id,
            "fee": _decimal(fill.fee),
            "fee_asset": fill.fee_asset,
            "price": _decimal(fill.price),
            "quantity": _decimal(fill.quantity),
            "quote": self.quote,
            "side": fill.side.value,
            "symbol": fill.symbol,
            "tax": _decimal(fill.tax),
            "trade_id": fill.trade_id,
            "ts_ms": fill.ts_ms,
        }

    @classmethod
    def parse(cls, f: Fields) -> OrderFilled:
        side = _side(f)  # first: the field a damaged trade report most often gets wrong
        fill = Fill(
            trade_id=f.text("trade_id"),
            exchange_order_id=f.text("exchange_order_id"),
            client_order_id=f.optional_text("client_order_id"),
            symbol=f.text("symbol"),
            side=side,
            price=f.decimal("price"),
            quantity=f.decimal("quantity"),
            fee=f.decimal("fee"),
            tax=f.decimal("tax"),
            fee_asset=f.text("fee_asset"),
            ts_ms=f.integer("ts_ms"),
        )
        return cls(fill=fill, base=f.text("base"), quote=f.text("quote"))

    def check(self) -> None:
        """Raise StoreError unless the quantity and price are positive and fee and tax not negative."""
        fill = self.fill
        if fill.quantity <= 0 or fill.price <= 0 or fill.fee < 0 or fill.tax < 0:
            raise StoreError(
                f"{self.TYPE} payload: 'quantity' must be a positive quantity and price with"
                f" non-negative fee and tax, got quantity {fill.quantity}, price {fill.price},"
                f" fee {fill.fee}, tax {fill.tax}"
            )


@dataclass(frozen=True, slots=True, kw_only=True)
class StateChanged:
    """A whole state value under `key` (plain text; structured values are canonical JSON)."""

    TYPE: ClassVar[EventType] = EventType.STATE_CHANGED
    key: str
    value: str
    ts_ms: int

    def payload(self) -> Payload:
        return {"key": self.key, "ts_ms": self.ts_ms, "value": self.value}

    @classmethod
    def parse(cls, f: Fields) -> StateChanged:
        return cls(key=f.text("key"), value=f.text("value"), ts_ms=f.integer("ts_ms"))


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
            causes=_texts(f, "causes"),
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
            added=_texts(f, "added"),
            removed=_texts(f, "removed"),
            reasons=f.mapping("reasons"),
            members=_texts(f, "members"),
            cycle_id=f.integer("cycle_id"),
            ts_ms=f.integer("ts_ms"),
        )


@dataclass(frozen=True, slots=True, kw_only=True)
class ForeignOrderSeen:
    """An open order on the account that no order of this ledger is."""

    TYPE: ClassVar[EventType] = EventType.FOREIGN_ORDER_SEEN
    exchange_order_id: str
    client_order_id: str | None
    symbol: str
    side: Side
    price: Decimal
    quantity: Decimal
    ts_ms: int

    def payload(self) -> Payload:
        return {
            "client_order_id": self.client_order_id,
            "exchange_order_id": self.exchange_order_id,
            "price": _decimal(self.price),
            "quantity": _decimal(self.quantity),
            "side": self.side.value,
            "symbol": self.symbol,
            "ts_ms": self.ts_ms,
        }

    @classmethod
    def parse(cls, f: Fields) -> ForeignOrderSeen:
        return cls(
            exchange_order_id=f.text("exchange_order_id"),
            client_order_id=f.optional_text("client_order_id"),
            symbol=f.text("symbol"),
            side=_side(f),
            price=f.decimal("price"),
            quantity=f.decimal("quantity"),
            ts_ms=f.integer("ts_ms"),
        )


@dataclass(frozen=True, slots=True, kw_only=True)
class ForeignOrderGone:
    TYPE: ClassVar[EventType] = EventType.FOREIGN_ORDER_GONE
    exchange_order_id: str
    ts_ms: int

    def payload(self) -> Payload:
        return {"exchange_order_id": self.exchange_order_id, "ts_ms": self.ts_ms}

    @classmethod
    def parse(cls, f: Fields) -> ForeignOrderGone:
        return cls(exchange_order_id=f.text("exchange_order_id"), ts_ms=f.integer("ts_ms"))


@dataclass(frozen=True, slots=True, kw_only=True)
class BalanceDriftChanged:
    """The drift freeze starts (`frozen`) or clears; `drift`: the assets beyond tolerance."""

    TYPE: ClassVar[EventType] = EventType.BALANCE_DRIFT_CHANGED
    frozen: bool
    drift: Mapping[str, Decimal]
    ts_ms: int

    def payload(self) -> Payload:
        return {"drift": _decimals(self.drift), "frozen": self.frozen, "ts_ms": self.ts_ms}

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


LedgerEvent = (
    BalancesSeeded
    | CycleStarted
    | CycleCompleted
    | DecisionRecorded
    | OrderSubmitRequested
    | OrderAccepted
    | OrderRejected
    | OrderSubmitUncertain
    | OrderMarkedUnknown
    | OrderMissingOnExchange
    | OrderCancelRequested
    | OrderCanceled
    | OrderFilled
    | StateChanged
    | StatePatched
    | RiskModeChanged
    | KillSwitchChanged
    | UniverseChanged
    | ForeignOrderSeen
    | ForeignOrderGone
    | BalanceDriftChanged
    | LedgerChecked
)

EVENT_CLASSES: tuple[type[LedgerEvent], ...] = (
    BalancesSeeded,
    CycleStarted,
    CycleCompleted,
    DecisionRecorded,
    OrderSubmitRequested,
    OrderAccepted,
    OrderRejected,
    OrderSubmitUncertain,
    OrderMarkedUnknown,
    OrderMissingOnExchange,
    OrderCancelRequested,
    OrderCanceled,
    OrderFilled,
    StateChanged,
    StatePatched,
    RiskModeChanged,
    KillSwitchChanged,
    UniverseChanged,
    ForeignOrderSeen,
    ForeignOrderGone,
    BalanceDriftChanged,
    LedgerChecked,
)

_PARSERS: dict[str, Callable[[Fields], LedgerEvent]] = {cls.TYPE.value: cls.parse for cls in EVENT_CLASSES}


def decode(event_type: str, payload: Payload) -> LedgerEvent:
    """The typed event a stored payload describes; StoreError for an unknown type or a bad field."""
    parse = _PARSERS.get(event_type)
    if parse is None:
        raise StoreError(f"unknown event type {event_type!r}")
    return parse(Fields(event_type, payload))


def from_mapping(event_type: str, payload: Mapping[str, object]) -> LedgerEvent:
    """An event from a loose mapping (Decimals, enums, tuples allowed), as a hand-written fixture has."""
    return decode(event_type, canonicalise(payload))
