"""The paper account survives restarts: it is rebuilt from the ledger, its only record.

A fresh ledger opens the account with `paper.seed_balances`. A ledger that already has balances
reopens it with them and re-rests every open order at its remaining quantity, so a restarted
paper run continues where it stopped (same balances, same resting orders, ids that never repeat).
Paper cancels take effect at once, so an order whose cancel was requested comes back canceled;
an order whose submit outcome was never learned comes back canceled too (a paper process that
died mid-submit placed nothing that survived it), so the next lookup settles both.
"""

from __future__ import annotations

from collections.abc import Mapping

from bot.config import Settings
from bot.domain.orders import OrderStatus
from bot.domain.symbols import PairRules
from bot.exchange.matching import FeeSchedule, MatchingEngine
from bot.execution.opening import SEEDED_KEY
from bot.store.db import Database

ACCOUNT_ID = "paper"
RESTING = (OrderStatus.OPEN, OrderStatus.PARTIALLY_FILLED)
CLOSED_ON_RESTART = (
    OrderStatus.CANCEL_REQUESTED,
    OrderStatus.PENDING_SUBMIT,
    OrderStatus.UNCERTAIN,
    OrderStatus.UNKNOWN,
)


def open_paper_engine(
    settings: Settings, rules: Mapping[str, PairRules], database: Database
) -> MatchingEngine:
    fees = FeeSchedule(
        maker_rate=settings.paper.maker_fee_rate,
        taker_rate=settings.paper.taker_fee_rate,
        tax_rate=settings.paper.tax_rate,
    )
    with database.read() as uow:
        seeded = uow.state.get(SEEDED_KEY) is not None
        balances = uow.balances.all() if seeded else dict(settings.paper.seed_balances)
        orders = uow.orders.all() if seeded else []
        fills = uow.fills.all() if seeded else []
    max_order_id = max((int(o.exchange_order_id) for o in orders if o.exchange_order_id), default=0)
    max_trade_id = max((int(f.trade_id) for f in fills), default=0)
    engine = MatchingEngine(rules, fees, order_id_start=max_order_id + 1, trade_id_start=max_trade_id + 1)
    engine.open_account(ACCOUNT_ID, balances)
    next_id = max_order_id + 1
    for order in orders:
        if order.status not in RESTING + CLOSED_ON_RESTART or order.symbol not in rules:
            continue
        if order.exchange_order_id is not None:
            order_id = int(order.exchange_order_id)
        else:
            order_id, next_id = next_id, next_id + 1
        engine.restore_order(ACCOUNT_ID, order, order_id=order_id, resting=order.status in RESTING)
    return engine
