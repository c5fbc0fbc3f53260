"""Opening a ledger: the exchange's balances become the opening balances, once."""

from __future__ import annotations

from bot.domain.account import AccountSnapshot
from bot.domain.clock import Clock
from bot.domain.money import ZERO
from bot.execution.reconcile import FILL_CURSOR_KEY, FILL_FLOOR_KEY
from bot.store.db import Database
from bot.store.ledger_events import BalancesSeeded, StateChanged

SEEDED_KEY = "balances.seeded"


def seed_opening_balances(database: Database, account: AccountSnapshot, clock: Clock) -> bool:
    """Record the opening balances if this ledger has none yet; afterwards only fills move them.

    The opening balances already contain every earlier trade, so the fill floor and cursor start
    here: older fills that belong to no order of this ledger are never applied on top of them.
    Returns True when it seeded.
    """
    with database.unit_of_work() as uow:
        if uow.state.get(SEEDED_KEY) is not None:
            return False
        now = clock.now_ms()
        totals = {asset: b.total for asset, b in account.balances.items() if b.total != ZERO}
        uow.record(BalancesSeeded(balances=totals, ts_ms=now))
        for key in (SEEDED_KEY, FILL_FLOOR_KEY, FILL_CURSOR_KEY):
            uow.record(StateChanged(key=key, value=str(now), ts_ms=now))
        uow.commit()
        return True
