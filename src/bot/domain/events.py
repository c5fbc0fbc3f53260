"""Ledger event type names. Payloads are canonical-JSON dicts (Decimals as canonical strings).

Event names are past tense; they are stored in the `events` table and never renamed.
"""

from __future__ import annotations

from enum import StrEnum


class EventType(StrEnum):
    BALANCES_SEEDED = "BalancesSeeded"
    CYCLE_STARTED = "CycleStarted"
    CYCLE_COMPLETED = "CycleCompleted"
    DECISION_RECORDED = "DecisionRecorded"
    ORDER_SUBMIT_REQUESTED = "OrderSubmitRequested"
    ORDER_ACCEPTED = "OrderAccepted"
    ORDER_REJECTED = "OrderRejected"
    ORDER_SUBMIT_UNCERTAIN = "OrderSubmitUncertain"
    ORDER_MARKED_UNKNOWN = "OrderMarkedUnknown"
    ORDER_CANCEL_REQUESTED = "OrderCancelRequested"
    ORDER_CANCELED = "OrderCanceled"
    ORDER_FILLED = "OrderFilled"
    STATE_CHANGED = "StateChanged"
    RISK_MODE_CHANGED = "RiskModeChanged"
    KILL_SWITCH_CHANGED = "KillSwitchChanged"
    UNIVERSE_CHANGED = "UniverseChanged"
