"""The bounded queue between the socket reader and the task that folds updates into quotes."""

from __future__ import annotations

import asyncio
import collections

from bot.exchange.btcturk.ws.events import MarketEvent


class MarketUpdates:
    """FIFO of market events holding at most `max_len`; when full, the OLDEST is dropped.

    Dropping the oldest keeps the newest prices; a dropped book diff surfaces as a changeset gap,
    which triggers a resnapshot. Loop-thread only (not thread-safe).
    """

    def __init__(self, max_len: int) -> None:
        if max_len < 1:
            raise ValueError("max_len must be at least 1")
        self._events: collections.deque[MarketEvent] = collections.deque()
        self._max_len = max_len
        self._ready = asyncio.Event()
        self.dropped = 0

    def push(self, event: MarketEvent) -> bool:
        """Queue `event`; True if an older event was dropped to make room."""
        dropped = len(self._events) >= self._max_len
        if dropped:
            self._events.popleft()
            self.dropped += 1
        self._events.append(event)
        self._ready.set()
        return dropped

    def pop_all(self) -> list[MarketEvent]:
        events = list(self._events)
        self._events.clear()
        self._ready.clear()
        return events

    async def wait(self) -> None:
        """Until there is something to pop."""
        await self._ready.wait()

    def __len__(self) -> int:
        return len(self._events)
