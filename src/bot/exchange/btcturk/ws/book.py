"""A local order book kept from 431 snapshots and 432 diffs, with changeset (CS) checks (§11.3).

A diff applies only on top of a snapshot and only when its CS is the last CS + 1. Anything else
(a gap, a repeat, an older CS, or a row that does not fit the book: updating or deleting a level
that is not there) sets `needs_resnapshot` and the book stops applying diffs until the next 431.
"""

from __future__ import annotations

from decimal import Decimal

from bot.domain.market import BookLevel, OrderBook
from bot.exchange.btcturk.ws.events import (
    BookDiffReceived,
    BookSnapshotReceived,
    LevelChange,
    LevelChanged,
)


class LocalBook:
    def __init__(self, symbol: str) -> None:
        self.symbol = symbol
        self._bids: dict[Decimal, Decimal] = {}
        self._asks: dict[Decimal, Decimal] = {}
        self.changeset: int | None = None  # None until the first snapshot
        self.needs_resnapshot = False
        self.ts_ms: int | None = None

    @property
    def ready(self) -> bool:
        """A snapshot was applied and no gap has been seen since."""
        return self.changeset is not None and not self.needs_resnapshot

    def apply_snapshot(self, snapshot: BookSnapshotReceived) -> None:
        """Replace the book; clears `needs_resnapshot`."""
        self._bids = {level.price: level.quantity for level in snapshot.bids if level.quantity > 0}
        self._asks = {level.price: level.quantity for level in snapshot.asks if level.quantity > 0}
        self.changeset = snapshot.changeset
        self.needs_resnapshot = False
        self.ts_ms = snapshot.ts_ms

    def apply_diff(self, diff: BookDiffReceived) -> bool:
        """Apply `diff` if it is the next changeset; returns whether it was applied.

        Before any snapshot a diff is ignored (the snapshot is on its way). Otherwise an out-of-
        sequence or inconsistent diff marks the book for a resnapshot and is not applied.
        """
        if self.changeset is None or self.needs_resnapshot:
            return False
        if diff.changeset != self.changeset + 1:
            self.needs_resnapshot = True
            return False
        bids, asks = dict(self._bids), dict(self._asks)
        if not (_apply(bids, diff.bids) and _apply(asks, diff.asks)):
            self.needs_resnapshot = True
            return False
        self._bids, self._asks = bids, asks
        self.changeset = diff.changeset
        self.ts_ms = diff.ts_ms if diff.ts_ms is not None else self.ts_ms
        return True

    def invalidate(self) -> None:
        """Forget the book (e.g. on disconnect): diffs are ignored until the next snapshot."""
        self._bids, self._asks = {}, {}
        self.changeset = None
        self.needs_resnapshot = False

    def order_book(self, ts_ms: int) -> OrderBook:
        """An immutable copy: bids highest first, asks lowest first."""
        bids = tuple(BookLevel(price=p, quantity=q) for p, q in sorted(self._bids.items(), reverse=True))
        asks = tuple(BookLevel(price=p, quantity=q) for p, q in sorted(self._asks.items()))
        return OrderBook(symbol=self.symbol, bids=bids, asks=asks, ts_ms=ts_ms)


def _apply(side: dict[Decimal, Decimal], changes: tuple[LevelChanged, ...]) -> bool:
    """Apply rows in place; False when a row does not fit (the caller discards the copy)."""
    for row in changes:
        present = row.price in side
        if row.change is LevelChange.DELETED or row.quantity <= 0:
            if not present:
                return False
            del side[row.price]
        elif row.change is LevelChange.UPDATED and not present:
            return False
        else:
            # An insert of a level already present is taken as an update: the amount is absolute.
            side[row.price] = row.quantity
    return True
