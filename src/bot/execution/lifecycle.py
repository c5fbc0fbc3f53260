"""The order-state transition table. Every status change the executor records is checked here."""

from __future__ import annotations

from bot.domain.orders import OrderStatus as S

_FILL_OR_CLOSE = frozenset({S.PARTIALLY_FILLED, S.FILLED, S.CANCELED})

TRANSITIONS: dict[S, frozenset[S]] = {
    S.PENDING_SUBMIT: frozenset({S.OPEN, S.REJECTED, S.UNCERTAIN}) | _FILL_OR_CLOSE,
    S.UNCERTAIN: frozenset({S.OPEN, S.REJECTED, S.UNKNOWN}) | _FILL_OR_CLOSE,
    S.UNKNOWN: frozenset({S.OPEN, S.REJECTED}) | _FILL_OR_CLOSE,  # rejected: operator says never placed
    S.OPEN: frozenset({S.CANCEL_REQUESTED}) | _FILL_OR_CLOSE,
    S.PARTIALLY_FILLED: frozenset({S.CANCEL_REQUESTED}) | _FILL_OR_CLOSE,
    S.CANCEL_REQUESTED: _FILL_OR_CLOSE,
    S.FILLED: frozenset(),
    S.CANCELED: frozenset(),
    S.REJECTED: frozenset(),
}


def transition_allowed(current: S, target: S) -> bool:
    return target in TRANSITIONS[current]
