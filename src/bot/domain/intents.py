"""What a strategy asks for. Intents are unchecked until risk turns them into decisions."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from enum import StrEnum

from bot.domain.orders import Side


class IntentKind(StrEnum):
    SUBMIT = "submit"
    CANCEL = "cancel"


@dataclass(frozen=True, slots=True, kw_only=True)
class SubmitIntent:
    """Place a limit order. `rationale` is the strategy's own explanation, stored with the decision."""

    symbol: str
    side: Side
    price: Decimal
    quantity: Decimal
    rationale: str = ""
    # The client order id of a working order this one replaces (its cancel is a separate
    # CancelIntent). Until that cancel is confirmed both count against the caps.
    replaces: str | None = None

    @property
    def kind(self) -> IntentKind:
        return IntentKind.SUBMIT

    @property
    def notional(self) -> Decimal:
        return self.price * self.quantity


@dataclass(frozen=True, slots=True, kw_only=True)
class CancelIntent:
    """Cancel one of our working orders (by the ledger's client order id)."""

    symbol: str
    side: Side
    client_order_id: str
    rationale: str = ""

    @property
    def kind(self) -> IntentKind:
        return IntentKind.CANCEL


OrderIntent = SubmitIntent | CancelIntent
