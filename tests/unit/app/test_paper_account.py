"""A restarted paper account matches the ledger: open orders rest again, canceled ones do not."""

from __future__ import annotations

from decimal import Decimal as D

from bot.app.paper_account import ACCOUNT_ID, open_paper_engine
from bot.config import Settings
from bot.domain.events import EventType
from bot.domain.orders import OrderStatus
from bot.execution.opening import SEEDED_KEY
from bot.store import Database
from bot.store.ledger_events import from_mapping
from bot.testing.builders import btctry_rules

T0 = 1_700_000_000_000


def submit(uow, client_order_id: str, exchange_order_id: str | None, price: str) -> None:
    uow.record(
        from_mapping(
            EventType.ORDER_SUBMIT_REQUESTED,
            {
                "client_order_id": client_order_id,
                "cycle_id": 1,
                "ts_ms": T0,
                "symbol": "BTCTRY",
                "side": "buy",
                "price": D(price),
                "quantity": D("0.001"),
            },
        )
    )
    if exchange_order_id is not None:
        uow.record(
            from_mapping(
                EventType.ORDER_ACCEPTED,
                {"client_order_id": client_order_id, "exchange_order_id": exchange_order_id, "ts_ms": T0},
            )
        )


def test_restart_rests_open_orders_and_closes_canceled_and_in_flight_ones():
    db = Database.in_memory()
    with db.unit_of_work() as uow:
        uow.record(from_mapping(EventType.BALANCES_SEEDED, {"ts_ms": T0, "balances": {"TRY": D("10000")}}))
        uow.record(from_mapping(EventType.STATE_CHANGED, {"key": SEEDED_KEY, "value": str(T0), "ts_ms": T0}))
        submit(uow, "open", "5", "1300000")
        submit(uow, "cancel-requested", "6", "1300000")
        uow.record(
            from_mapping(
                EventType.ORDER_CANCEL_REQUESTED,
                {"client_order_id": "cancel-requested", "ts_ms": T0, "reason": "ttl"},
            )
        )
        submit(uow, "in-flight", None, "1300000")
        uow.commit()

    engine = open_paper_engine(Settings(), {"BTCTRY": btctry_rules()}, db)

    by_client = {o.client_order_id: o for o in engine.orders(ACCOUNT_ID)}
    assert by_client["open"].status is OrderStatus.OPEN
    assert by_client["cancel-requested"].status is OrderStatus.CANCELED
    assert by_client["in-flight"].status is OrderStatus.CANCELED
    assert by_client["in-flight"].order_id > 6  # ids never repeat
    assert [o.client_order_id for o in engine.orders(ACCOUNT_ID, open_only=True)] == ["open"]
    balance = engine.balances(ACCOUNT_ID)["TRY"]
    assert balance.total == D("10000")
    assert D("1300") <= balance.locked < D("1310")  # only the one resting order holds funds
    db.close()
