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
    STATE_PATCHED = "StatePatched"  # what changed in a state value (`bot.store.state_patch`)
    RISK_MODE_CHANGED = "RiskModeChanged"
    KILL_SWITCH_CHANGED = "KillSwitchChanged"
    UNIVERSE_CHANGED = "UniverseChanged"
    ORDER_MISSING_ON_EXCHANGE = "OrderMissingOnExchange"  # neither open nor found: now uncertain
    FOREIGN_ORDER_SEEN = "ForeignOrderSeen"  # an open order on the account that no ledger order is
    FOREIGN_ORDER_GONE = "ForeignOrderGone"  # it left the exchange's open orders
    BALANCE_DRIFT_CHANGED = "BalanceDriftChanged"  # the drift freeze started or cleared
    LEDGER_CHECKED = "LedgerChecked"  # the start-up integrity check passed; carries its checkpoint
