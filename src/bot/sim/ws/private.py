"""Private (user) pushes: diff one account's engine orders and trades between polls into frames.

Per poll, in this order: 451 for each new order (as inserted, full amount left), then per new
trade (trade id order) 441 match + 423 user trade, then 453 for an order still open whose fill
changed, or 452 for one that left the book (filled or canceled) since the last poll.
"""

from __future__ import annotations

from collections.abc import Mapping

from bot.domain.money import ZERO
from bot.exchange.matching import EngineOrder, MatchingEngine
from bot.sim.ws import frames


class AccountWatcher:
    """What one logged-in connection has already been told about `account_id`.

    Starts from the account's current state: history before login is not replayed (clients
    reconcile that over REST).
    """

    def __init__(self, engine: MatchingEngine, account_id: str) -> None:
        self.account_id = account_id
        self._orders = {order.order_id: order for order in engine.orders(account_id)}
        self._reported_fill = {order.order_id: order.filled_quantity for order in self._orders.values()}
        trades = engine.trades(account_id)
        self._last_trade_id = trades[-1].trade_id if trades else 0

    def poll(self, engine: MatchingEngine, pair_ids: Mapping[str, int]) -> list[str]:
        """Frames for every change since the last poll. Call under the simulator's lock."""
        current = {order.order_id: order for order in engine.orders(self.account_id)}
        out: list[str] = []
        for order_id, order in current.items():
            if order_id not in self._orders:
                pair_id = pair_ids[order.symbol]
                out.append(frames.order_model(frames.ORDER_INSERT, order, pair_id, left=order.quantity))
                self._reported_fill[order_id] = ZERO
        new_trades = [t for t in engine.trades(self.account_id) if t.trade_id > self._last_trade_id]
        for trade in new_trades:
            order = current[trade.order_id]
            filled = self._reported_fill.get(trade.order_id, ZERO) + trade.quantity
            self._reported_fill[trade.order_id] = filled
            left = order.quantity - filled
            rules = engine.pairs[order.symbol]
            out.append(frames.order_match(trade, order, pair_ids[order.symbol], left=left))
            out.append(frames.user_trade(trade, rules))
            self._last_trade_id = trade.trade_id
        for order_id, order in current.items():
            out.extend(self._status_frames(self._orders.get(order_id), order, pair_ids[order.symbol]))
        self._orders = current
        return out

    def _status_frames(self, before: EngineOrder | None, after: EngineOrder, pair_id: int) -> list[str]:
        was_open = before is None or before.is_open
        if not after.is_open:
            return [_model(frames.ORDER_DELETE, after, pair_id)] if was_open else []
        changed = before is not None and before.filled_quantity != after.filled_quantity
        return [_model(frames.ORDER_UPDATE, after, pair_id)] if changed else []


def _model(model: int, order: EngineOrder, pair_id: int) -> str:
    return frames.order_model(model, order, pair_id, left=order.remaining_quantity)
