"""Late reports: the simulator's order queries and fills as they stood `report_delay_ms` ago.

A real exchange's order and trade reports can trail its matching engine: a fill or a cancel is
confirmed cycles after it happened. With the fault profile's `report_delay_ms` set, every order
query answers with each order's state as of that long ago (an order accepted since then shows
its state at acceptance) and the fills list leaves out fills younger than that. Balances stay
current, as the exchange's own ledger does. The history is kept only while the knob is on.
"""

from __future__ import annotations

import bisect
from collections.abc import Iterable

from bot.exchange.matching import EngineOrder


class ReportLag:
    def __init__(self) -> None:
        self._times: dict[int, list[int]] = {}
        self._states: dict[int, list[EngineOrder]] = {}

    def note(self, orders: Iterable[EngineOrder], now_ms: int) -> None:
        """Remember each order's state at `now_ms` when it changed since it was last noted."""
        for order in orders:
            states = self._states.setdefault(order.order_id, [])
            if states and states[-1] == order:
                continue
            times = self._times.setdefault(order.order_id, [])
            if times and times[-1] == now_ms:
                states[-1] = order
                continue
            times.append(now_ms)
            states.append(order)

    def as_of(self, order: EngineOrder, at_ms: int) -> EngineOrder:
        """`order` as it stood at `at_ms`: its first noted state when it is younger than that,
        itself when it was never noted (the knob was off)."""
        times = self._times.get(order.order_id)
        if not times:
            return order
        index = bisect.bisect_right(times, at_ms) - 1
        return self._states[order.order_id][max(index, 0)]
