"""Deterministic client order ids: the same ledger, cycle and action always give the same id.

Format `b<stage>-<ledger>-<cycle>-<n>` (at most 50 characters, BTCTurk's limit). The ledger id
is random per database, so a fresh ledger never reuses the ids of an old one on the same account.
"""

from __future__ import annotations

MAX_LENGTH = 50


def client_order_id(*, stage: str, ledger_id: str, cycle_id: int, action_index: int) -> str:
    value = f"b{stage}-{ledger_id[:8]}-{cycle_id}-{action_index}"
    if len(value) > MAX_LENGTH:
        raise ValueError(f"client order id {value!r} exceeds {MAX_LENGTH} characters")
    return value
