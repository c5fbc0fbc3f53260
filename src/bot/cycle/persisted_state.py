"""State that lives across cycles (strategy anchors, universe, risk modes, capital, equity peaks).

Each piece is a JSON object under one key of the ledger's `state` table, written only through
`StateChanged` events, so `bot ledger verify` rebuilds it and a restart resumes exactly where
the last cycle left off. A stored value that no longer parses is an error naming the key: the
operator decides (see runbooks/reason-codes.md), the bot does not silently start over.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import TypeVar

from bot.store import StoreError, UnitOfWork
from bot.store.ledger_events import StateChanged, StatePatched
from bot.store.payloads import JsonValue, canonicalise, dumps, loads
from bot.store.repositories import Repositories
from bot.store.state_patch import diff

T = TypeVar("T")


def load_state(database: Repositories, key: str, parse: Callable[[Mapping[str, JsonValue]], T]) -> T | None:
    """The state stored under `key`, parsed; None if nothing was stored yet."""
    text = database.state.get(key)
    if text is None:
        return None
    try:
        return parse(loads(text))
    except (ValueError, TypeError) as e:
        raise StoreError(f"ledger state {key!r} cannot be read ({e}); see runbooks/reason-codes.md") from e


def save_state(
    uow: UnitOfWork, key: str, value: Mapping[str, object], ts_ms: int, *, incremental: bool = False
) -> None:
    """Record `value` under `key` in the unit of work (nothing is written if it is unchanged).

    `incremental` (for sliding windows and other state that changes a little every cycle): record
    only what changed (`StatePatched`) when that is smaller than the whole value.
    """
    canonical_value = canonicalise(value)
    text = dumps(canonical_value)
    stored = uow.state.get(key)
    if stored == text:
        return
    if incremental and stored is not None:
        patch = diff(loads(stored), canonical_value)
        if len(dumps(patch)) < len(text):
            uow.record(StatePatched(key=key, patch=patch, ts_ms=ts_ms))
            return
    uow.record(StateChanged(key=key, value=canonical_value, ts_ms=ts_ms))
