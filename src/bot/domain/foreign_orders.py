"""Open orders on the account that this ledger did not place (by hand, or by another program)."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from bot.domain.orders import Side


@dataclass(frozen=True, slots=True, kw_only=True)
class ForeignOrder:
    """An open order the exchange lists that no ledger order accounts for.

    It is not ours to cancel, but it rests on the same account: it counts against the open-order
    caps of its symbol (and in total), and its locked funds are not spendable. Quantities are as
    first seen; the exchange's free balances carry the current locks.
    """

    exchange_order_id: str
    client_order_id: str | None
    symbol: str
    side: Side
    price: Decimal
    quantity: Decimal
    seen_ms: int
