"""Deterministic client order ids: the same ledger, cycle and action always give the same id.

Format `b<stage>-<ledger>-<cycle>-<n>` (at most 50 characters, BTCTurk's limit). The ledger id
is random per database, so a fresh ledger never reuses the ids of an old one on the same account.
"""

from __future__ import annotations

import re

MAX_LENGTH = 50
# Any ledger's ids, not only this one's: a restored backup or a second ledger uses another id.
_SCHEME = re.compile(r"b[0-9]+-[^-\s]{1,8}-[0-9]+-[0-9]+")


def client_order_id(*, stage: str, ledger_id: str, cycle_id: int, action_index: int) -> str:
    value = f"b{stage}-{ledger_id[:8]}-{cycle_id}-{action_index}"
    if len(value) > MAX_LENGTH:
        raise ValueError(f"client order id {value!r} exceeds {MAX_LENGTH} characters")
    return value


def is_bot_client_id(value: str | None) -> bool:
    """True for an id in this bot's scheme, whichever ledger gave it (`b3-1a2b3c4d-17-0`)."""
    return value is not None and _SCHEME.fullmatch(value) is not None
