"""The order-state transition table, for execution's callers; it lives in `bot.domain.order_lifecycle`
so that the ledger's projections (which may not import execution) apply the very same table."""

from __future__ import annotations

from bot.domain.order_lifecycle import TRANSITIONS, transition_allowed

__all__ = ["TRANSITIONS", "transition_allowed"]
