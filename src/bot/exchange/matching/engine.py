"""The deterministic matching engine shared by the paper adapter and the exchange simulator.

Market model: each `set_market` call is one step. The step offers `row.ask_qty` at `row.ask` to
buyers and `row.bid_qty` at `row.bid` to sellers; orders consume it in time priority (lowest order
id first). A resting buy at P fills at P (maker) once ask <= P; a resting sell at P fills at P once
bid >= P. A new order that crosses the current step fills at once as taker, at the top price, as far
as the step's remaining liquidity goes; the rest rests. Pure: no clock, no IO, no randomness.
"""

from __future__ import annotations

from bisect import bisect_left
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal

from bot.domain.account import Balance
from bot.domain.dataset import MarketRow
from bot.domain.money import ZERO, exact_product, quantize_down
from bot.domain.orders import Order, OrderStatus, Side
from bot.domain.symbols import PairRules
from bot.exchange.matching.ledger import AccountLedger, OrderState
from bot.exchange.matching.rules import EXACT, insufficient_funds, required_lock, validate_limit_order
from bot.exchange.matching.types import EngineOrder, EngineReject, EngineTrade, FeeSchedule, RejectToken


@dataclass(slots=True)
class _Step:
    """The current top of book of one symbol and the liquidity left in it this step."""

    row: MarketRow
    bid_left: Decimal
    ask_left: Decimal


class MatchingEngine:
    def __init__(
        self,
        pairs: Mapping[str, PairRules],
        fees: FeeSchedule | None = None,
        *,
        order_id_start: int = 1,
        trade_id_start: int = 1,
    ) -> None:
        self._pairs = dict(pairs)
        self._fees = fees or FeeSchedule()
        self._next_order_id = order_id_start
        self._next_trade_id = trade_id_start
        self._accounts: dict[str, AccountLedger] = {}
        self._orders: dict[int, OrderState] = {}
        self._open: dict[int, OrderState] = {}  # insertion order = id order = time priority
        self._trades: list[EngineTrade] = []
        self._trade_ts: list[int] = []  # their ts_ms, for bisecting while they arrive in time order
        self._trades_in_time_order = True
        self._steps: dict[str, _Step] = {}

    @property
    def pairs(self) -> Mapping[str, PairRules]:
        return self._pairs

    def open_account(self, account_id: str, balances: Mapping[str, Decimal]) -> None:
        """Create an account with these total balances. Raises ValueError if it already exists."""
        if account_id in self._accounts:
            raise ValueError(f"account {account_id!r} already exists")
        self._accounts[account_id] = AccountLedger(account_id, balances)

    def has_account(self, account_id: str) -> bool:
        return account_id in self._accounts

    def market(self, symbol: str) -> MarketRow | None:
        step = self._steps.get(symbol)
        return step.row if step else None

    def set_market(self, symbol: str, row: MarketRow, *, ts_ms: int | None = None) -> list[EngineTrade]:
        """Start a new step for `symbol` and fill resting orders that the new top crosses.

        `ts_ms` stamps the resulting trades (default `row.ts_ms`). Returns the trades, in order.
        """
        step = _Step(row=row, bid_left=row.bid_qty, ask_left=row.ask_qty)
        self._steps[symbol] = step
        stamp = row.ts_ms if ts_ms is None else ts_ms
        trades = []
        for state in [s for s in self._open.values() if s.symbol == symbol]:
            crosses = row.ask <= state.price if state.side is Side.BUY else row.bid >= state.price
            if crosses:
                trade = self._take_liquidity(state, step, state.price, maker=True, ts_ms=stamp)
                if trade is not None:
                    trades.append(trade)
        return trades

    def submit(
        self,
        account_id: str,
        *,
        symbol: str,
        side: Side,
        price: Decimal,
        quantity: Decimal,
        client_order_id: str | None,
        ts_ms: int,
    ) -> EngineOrder:
        """Accept a GTC limit order, lock its funds, and match it as taker if it crosses.

        Raises EngineReject (see `validate_limit_order`, and 1122 for insufficient free balance),
        KeyError for an unknown account.
        """
        account = self._accounts[account_id]
        rules = validate_limit_order(self._pairs.get(symbol), symbol=symbol, price=price, quantity=quantity)
        asset, amount = required_lock(rules, self._fees, side=side, price=price, quantity=quantity)
        free = account.free(asset, self._open.values())
        if free < amount:
            raise insufficient_funds(asset, amount, free, account.total(asset))
        state = OrderState(
            order_id=self._next_order_id,
            account_id=account_id,
            client_order_id=client_order_id,
            symbol=symbol,
            side=side,
            price=price,
            quantity=quantity,
            filled_quantity=ZERO,
            status=OrderStatus.OPEN,
            created_ms=ts_ms,
            updated_ms=ts_ms,
            locked=amount,
            lock_asset=asset,
        )
        self._next_order_id += 1
        self._orders[state.order_id] = state
        self._open[state.order_id] = state
        step = self._steps.get(symbol)
        if step is not None:
            top = step.row.ask if side is Side.BUY else step.row.bid
            if top > 0 and (top <= price if side is Side.BUY else top >= price):
                self._take_liquidity(state, step, top, maker=False, ts_ms=ts_ms)
        return state.snapshot()

    def restore_order(
        self,
        account_id: str,
        order: Order,
        *,
        order_id: int,
        resting: bool = True,
    ) -> EngineOrder:
        """Bring back an order known from an earlier run (paper restarts): the ledger's `order`,
        under the exchange id `order_id` it had.

        A resting order locks its remainder again; `resting=False` records it as canceled, so a
        lookup finds its final state. No validation or matching happens here.
        """
        symbol, side, price, quantity = order.symbol, order.side, order.price, order.quantity
        filled_quantity, created_ms = order.filled_quantity, order.created_ms
        rules = self._pairs[symbol]
        remaining = quantity - filled_quantity
        asset, amount = required_lock(rules, self._fees, side=side, price=price, quantity=remaining)
        if not resting:
            amount = ZERO
        state = OrderState(
            order_id=order_id,
            account_id=account_id,
            client_order_id=order.client_order_id,
            symbol=symbol,
            side=side,
            price=price,
            quantity=quantity,
            filled_quantity=filled_quantity,
            status=_restored_status(resting, filled_quantity),
            created_ms=created_ms,
            updated_ms=created_ms,
            locked=amount,
            lock_asset=asset,
        )
        self._orders[order_id] = state
        if resting:
            self._open[order_id] = state
        self._next_order_id = max(self._next_order_id, order_id + 1)
        return state.snapshot()

    def cancel(self, account_id: str, order_id: int, ts_ms: int) -> EngineOrder:
        """Cancel an open order and release its lock.

        Raises EngineReject NO_ORDER_MATCHES_YOUR_REQUEST (unknown, or another account's) or
        ORDER_COULD_NOT_BE_CANCELED (already filled or canceled).
        """
        state = self._orders.get(order_id)
        if state is None or state.account_id != account_id:
            raise EngineReject.of(RejectToken.NO_ORDER_MATCHES_YOUR_REQUEST, f"no order {order_id}")
        if not state.is_open:
            raise EngineReject.of(RejectToken.ORDER_COULD_NOT_BE_CANCELED, f"order {order_id} is closed")
        state.status = OrderStatus.CANCELED
        state.locked = ZERO
        state.updated_ms = ts_ms
        del self._open[order_id]
        return state.snapshot()

    def balances(self, account_id: str) -> dict[str, Balance]:
        return self._accounts[account_id].balances(self._open.values())

    def orders(
        self, account_id: str, symbol: str | None = None, *, open_only: bool = False
    ) -> list[EngineOrder]:
        """The account's orders in id order, optionally one symbol's, optionally only open ones."""
        source = self._open if open_only else self._orders
        return [
            s.snapshot()
            for s in source.values()
            if s.account_id == account_id and (symbol is None or s.symbol == symbol)
        ]

    def order(self, account_id: str, order_id: int) -> EngineOrder | None:
        state = self._orders.get(order_id)
        return state.snapshot() if state and state.account_id == account_id else None

    def trades(self, account_id: str, since_ms: int = 0) -> list[EngineTrade]:
        """The account's trades with ts_ms >= since_ms, in trade id order."""
        # Trades arrive in time order (the clock does not go back), so the ones since `since_ms`
        # are a tail found by bisection: asked every cycle, a scan of all of them grew with the run.
        start = bisect_left(self._trade_ts, since_ms) if self._trades_in_time_order else 0
        return [t for t in self._trades[start:] if t.account_id == account_id and t.ts_ms >= since_ms]

    def _take_liquidity(
        self, state: OrderState, step: _Step, price: Decimal, *, maker: bool, ts_ms: int
    ) -> EngineTrade | None:
        rules = self._pairs[state.symbol]
        available = step.ask_left if state.side is Side.BUY else step.bid_left
        quantity = min(state.remaining_quantity, quantize_down(available, rules.quantity_scale))
        if quantity <= 0:
            return None
        if state.side is Side.BUY:
            step.ask_left = EXACT.subtract(step.ask_left, quantity)
        else:
            step.bid_left = EXACT.subtract(step.bid_left, quantity)
        return self._fill(state, rules, price, quantity, maker=maker, ts_ms=ts_ms)

    def _fill(
        self,
        state: OrderState,
        rules: PairRules,
        price: Decimal,
        quantity: Decimal,
        *,
        maker: bool,
        ts_ms: int,
    ) -> EngineTrade:
        notional = exact_product(price, quantity)
        fee = self._fees.fee(notional, maker=maker)
        tax = self._fees.tax(fee)
        account = self._accounts[state.account_id]
        if state.side is Side.BUY:
            cost = EXACT.add(EXACT.add(notional, fee), tax)
            account.adjust(rules.quote, -cost)
            account.adjust(rules.base, quantity)
            # The lock covers the taker fee at the limit price; rounding of many tiny maker fills
            # could in theory exceed it by a few 1e-8, which then comes out of free funds.
            state.locked = max(ZERO, EXACT.subtract(state.locked, cost))
        else:
            account.adjust(rules.base, -quantity)
            account.adjust(rules.quote, EXACT.subtract(EXACT.subtract(notional, fee), tax))
            state.locked = EXACT.subtract(state.locked, quantity)
        state.filled_quantity = EXACT.add(state.filled_quantity, quantity)
        state.updated_ms = ts_ms
        if state.filled_quantity == state.quantity:
            state.status = OrderStatus.FILLED
            state.locked = ZERO
            del self._open[state.order_id]
        else:
            state.status = OrderStatus.PARTIALLY_FILLED
        trade = EngineTrade(
            trade_id=self._next_trade_id,
            order_id=state.order_id,
            account_id=state.account_id,
            client_order_id=state.client_order_id,
            symbol=state.symbol,
            side=state.side,
            price=price,
            quantity=quantity,
            fee=fee,
            tax=tax,
            fee_asset=rules.quote,
            maker=maker,
            ts_ms=ts_ms,
        )
        self._next_trade_id += 1
        if self._trade_ts and trade.ts_ms < self._trade_ts[-1]:
            self._trades_in_time_order = False
        self._trades.append(trade)
        self._trade_ts.append(trade.ts_ms)
        return trade


def _restored_status(resting: bool, filled_quantity: Decimal) -> OrderStatus:
    if not resting:
        return OrderStatus.CANCELED
    return OrderStatus.PARTIALLY_FILLED if filled_quantity > 0 else OrderStatus.OPEN
