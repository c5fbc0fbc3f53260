"""The paper account survives restarts: it is rebuilt from the ledger, its only record.

A fresh ledger opens the account with `paper.seed_balances`. A ledger that already has balances
reopens it with them, and re-rests every working order at its remaining quantity, so a restarted
paper run continues exactly where it stopped (same balances, same resting orders, ids that
never repeat).
"""

from __future__ import annotations

from collections.abc import Mapping

from bot.config import Settings
from bot.domain.orders import OrderStatus
from bot.domain.symbols import PairRules
from bot.exchange.matching import FeeSchedule, MatchingEngine
from bot.store.db import Database

ACCOUNT_ID = "paper"
RESTING = (OrderStatus.OPEN, OrderStatus.PARTIALLY_FILLED, OrderStatus.CANCEL_REQUESTED)


def open_paper_engine(
    settings: Settings, rules: Mapping[str, PairRules], database: Database
) -> MatchingEngine:
    fees = FeeSchedule(
        maker_rate=settings.paper.maker_fee_rate,
        taker_rate=settings.paper.taker_fee_rate,
        tax_rate=settings.paper.tax_rate,
    )
    with database.unit_of_work() as uow:
        seeded = uow.state.get("balances.seeded") is not None
        balances = uow.balances.all() if seeded else dict(settings.paper.seed_balances)
        orders = uow.orders.all() if seeded else []
        fills = uow.fills.all() if seeded else []
    max_order_id = max((int(o.exchange_order_id) for o in orders if o.exchange_order_id), default=0)
    max_trade_id = max((int(f.trade_id) for f in fills), default=0)
    engine = MatchingEngine(rules, fees, order_id_start=max_order_id + 1, trade_id_start=max_trade_id + 1)
    engine.open_account(ACCOUNT_ID, balances)
    for order in orders:
        if order.status in RESTING and order.exchange_order_id is not None:
            engine.restore_order(
                ACCOUNT_ID,
                order_id=int(order.exchange_order_id),
                client_order_id=order.client_order_id,
                symbol=order.symbol,
                side=order.side,
                price=order.price,
                quantity=order.quantity,
                filled_quantity=order.filled_quantity,
                created_ms=order.created_ms,
            )
    return engine
