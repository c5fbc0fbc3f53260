"""What this cycle's earlier approvals have already used, so later intents see it."""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal

from bot.domain.intents import SubmitIntent
from bot.domain.money import ZERO, exact_product
from bot.domain.orders import Side


@dataclass(slots=True)
class CycleBudget:
    """Mutable within one check run, never shared between runs."""

    submits: int = 0
    notional: Decimal = ZERO  # both sides, in the quote asset
    quote_committed: Decimal = ZERO  # buy notional plus the fee allowance
    base_committed: dict[str, Decimal] = field(default_factory=dict)  # sold quantity per base asset
    opened: dict[str, int] = field(default_factory=dict)  # approved submits per symbol
    sides: set[tuple[str, Side]] = field(default_factory=set)
    buy_notional: Decimal = ZERO  # buy notional at limit prices, no fee allowance
    bought: dict[str, Decimal] = field(default_factory=dict)  # buy quantity per symbol
    sold: dict[str, Decimal] = field(default_factory=dict)  # sell quantity per symbol

    def commit(self, intent: SubmitIntent, base: str, fee_allowance_ratio: Decimal) -> None:
        """Count an approved (possibly capped) submit."""
        notional = exact_product(intent.price, intent.quantity)
        self.submits += 1
        self.notional += notional
        self.opened[intent.symbol] = self.opened.get(intent.symbol, 0) + 1
        self.sides.add((intent.symbol, intent.side))
        if intent.side is Side.BUY:
            self.quote_committed += notional * (1 + fee_allowance_ratio)
            self.buy_notional += notional
            self.bought[intent.symbol] = self.bought.get(intent.symbol, ZERO) + intent.quantity
        else:
            self.base_committed[base] = self.base_committed.get(base, ZERO) + intent.quantity
            self.sold[intent.symbol] = self.sold.get(intent.symbol, ZERO) + intent.quantity
