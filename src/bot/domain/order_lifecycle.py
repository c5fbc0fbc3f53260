"""The order-state transition table: the one order state machine of the bot.

The executor, the resolver and reconciliation check it before recording a status change, and the
ledger's projections (`bot.store`) apply it to every event, so no sequence of events, in any
order or repetition, can move an order along a transition this table does not list. An event
that proposes a forbidden transition (a cancel confirmed for an order already filled, a fill for
one already canceled) leaves the status where it is; a fill still counts in the quantities,
balances and position (docs/adr/0001-ledger-events.md, "Late events on a terminal order").
"""

from __future__ import annotations

from decimal import Decimal

from bot.domain.orders import OrderStatus as S

_FILL_OR_CLOSE = frozenset({S.PARTIALLY_FILLED, S.FILLED, S.CANCELED})
# A working order the exchange neither lists nor finds is uncertain again (OrderMissingOnExchange).
_LOST = frozenset({S.UNCERTAIN})

TRANSITIONS: dict[S, frozenset[S]] = {
    S.PENDING_SUBMIT: frozenset({S.OPEN, S.REJECTED, S.UNCERTAIN}) | _FILL_OR_CLOSE,
    S.UNCERTAIN: frozenset({S.OPEN, S.REJECTED, S.UNKNOWN}) | _FILL_OR_CLOSE,
    S.UNKNOWN: frozenset({S.OPEN, S.REJECTED}) | _FILL_OR_CLOSE,  # rejected: operator says never placed
    S.OPEN: frozenset({S.CANCEL_REQUESTED}) | _FILL_OR_CLOSE | _LOST,
    S.PARTIALLY_FILLED: frozenset({S.CANCEL_REQUESTED}) | _FILL_OR_CLOSE | _LOST,
    S.CANCEL_REQUESTED: _FILL_OR_CLOSE | _LOST,
    S.FILLED: frozenset(),
    S.CANCELED: frozenset(),
    S.REJECTED: frozenset(),
}


def transition_allowed(current: S, target: S) -> bool:
    return target in TRANSITIONS[current]


def status_after(current: S, proposed: S) -> S:
    """The status once an event proposing `proposed` is applied: it, if the table allows, else `current`."""
    return proposed if transition_allowed(current, proposed) else current


def fill_status(filled_quantity: Decimal, quantity: Decimal) -> S:
    """What fills totalling `filled_quantity` propose for an order of `quantity`."""
    return S.FILLED if filled_quantity >= quantity else S.PARTIALLY_FILLED
