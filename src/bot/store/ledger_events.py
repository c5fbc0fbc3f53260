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

from bot.store.cycle_events import (
    BalanceDriftChanged,
    BalancesSeeded,
    CycleCompleted,
    CycleStarted,
    DecisionRecorded,
    KillSwitchChanged,
    LedgerChecked,
    RiskModeChanged,
    StateChanged,
    StatePatched,
    UniverseChanged,
)
from bot.store.errors import StoreError
from bot.store.order_events import (
    ForeignOrderGone,
    ForeignOrderSeen,
    OrderAccepted,
    OrderCanceled,
    OrderCancelRequested,
    OrderFilled,
    OrderMarkedUnknown,
    OrderMissingOnExchange,
    OrderRejected,
    OrderSubmitRequested,
    OrderSubmitUncertain,
)
from bot.store.payloads import Fields, Payload, canonicalise

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


__all__ = [
    "EVENT_CLASSES",
    "BalanceDriftChanged",
    "BalancesSeeded",
    "CycleCompleted",
    "CycleStarted",
    "DecisionRecorded",
    "ForeignOrderGone",
    "ForeignOrderSeen",
    "KillSwitchChanged",
    "LedgerChecked",
    "LedgerEvent",
    "OrderAccepted",
    "OrderCancelRequested",
    "OrderCanceled",
    "OrderFilled",
    "OrderMarkedUnknown",
    "OrderMissingOnExchange",
    "OrderRejected",
    "OrderSubmitRequested",
    "OrderSubmitUncertain",
    "RiskModeChanged",
    "StateChanged",
    "StatePatched",
    "UniverseChanged",
    "decode",
    "from_mapping",
]
