"""What every stage's checks read: the stage 3 limits and the cycle's check context."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal

from bot.domain.account import AccountSnapshot
from bot.domain.foreign_orders import ForeignOrder
from bot.domain.market import MarketSnapshot
from bot.domain.money import ZERO
from bot.domain.orders import Order, Side
from bot.domain.symbols import PairRules
from bot.risk.safety_gate import SafetyState


@dataclass(frozen=True, slots=True, kw_only=True)
class Stage3Limits:
    max_orders_per_cycle: int
    max_open_orders_per_symbol: int
    side_cooldown_ms: int
    max_notional_per_order_try: Decimal
    max_notional_per_cycle_try: Decimal
    cash_reserve_try: Decimal
    quote_asset: str
    # Worst-case fee+tax per unit of notional, reserved on buys so fees cannot breach the reserve.
    fee_allowance_ratio: Decimal = Decimal("0.0025")


@dataclass(frozen=True, slots=True, kw_only=True)
class CheckContext:
    cycle_id: int
    now_ms: int
    market: MarketSnapshot
    account: AccountSnapshot
    working_orders: Sequence[Order]
    last_submit_ms: Mapping[tuple[str, Side], int]
    rules: Mapping[str, PairRules]
    safety: SafetyState
    # Buys whose outcome is unknown count as if they had taken the cash (docs/architecture.md §3.3).
    unresolved_buy_notional_try: Decimal = ZERO
    # Open orders on the account that this ledger did not place: they count against the caps.
    foreign_orders: Sequence[ForeignOrder] = ()
