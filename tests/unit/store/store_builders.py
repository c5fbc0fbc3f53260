"""Event payload builders for ledger tests (valid by default; override any key)."""

from __future__ import annotations

from decimal import Decimal

from bot.domain.events import EventType
from bot.domain.orders import Side
from bot.store import Database, UnitOfWork
from bot.store.ledger_events import from_mapping

T0 = 1_700_000_000_000


def submit_payload(client_order_id: str = "b3-1-BTCTRY-buy-1", **overrides: object) -> dict[str, object]:
    payload: dict[str, object] = {
        "client_order_id": client_order_id,
        "cycle_id": 1,
        "ts_ms": T0,
        "symbol": "BTCTRY",
        "side": Side.BUY,
        "price": Decimal("1400000"),
        "quantity": Decimal("0.001"),
    }
    return payload | overrides


def fill_payload(trade_id: str = "t-1", **overrides: object) -> dict[str, object]:
    payload: dict[str, object] = {
        "trade_id": trade_id,
        "client_order_id": "b3-1-BTCTRY-buy-1",
        "exchange_order_id": "ex-1",
        "symbol": "BTCTRY",
        "base": "BTC",
        "quote": "TRY",
        "side": Side.BUY,
        "price": Decimal("1400000"),
        "quantity": Decimal("0.001"),
        "fee": Decimal("0.126"),
        "tax": Decimal("0"),
        "fee_asset": "TRY",
        "ts_ms": T0 + 2_000,
    }
    return payload | overrides


def seed(uow: UnitOfWork, **balances: str) -> None:
    totals = {asset: Decimal(total) for asset, total in (balances or {"TRY": "100000"}).items()}
    uow.record(from_mapping(EventType.BALANCES_SEEDED, {"ts_ms": T0, "balances": totals}))


def healthy_ledger(database: Database) -> None:
    """A small but complete history: seed, a cycle with a decision, an order that fills, a cancel."""
    with database.unit_of_work() as uow:
        seed(uow)
        uow.record(
            from_mapping(
                EventType.CYCLE_STARTED, {"cycle_id": 1, "ts_ms": T0, "stage": "stage3", "mode": "paper"}
            )
        )
        uow.record(
            from_mapping(
                EventType.DECISION_RECORDED,
                {
                    "cycle_id": 1,
                    "ts_ms": T0,
                    "action_key": "submit:BTCTRY:buy",
                    "symbol": "BTCTRY",
                    "side": "buy",
                    "kind": "submit",
                    "verdict": "approved",
                    "reason_code": "ok",
                    "layer": "capital",
                    "price": Decimal("1400000"),
                    "requested_quantity": Decimal("0.0010"),
                    "final_quantity": Decimal("0.001"),
                    "client_order_id": "b3-1-BTCTRY-buy-1",
                    "rationale": "below anchor",
                    "details": {"anchor": "1410000"},
                },
            )
        )
        uow.record(from_mapping(EventType.ORDER_SUBMIT_REQUESTED, submit_payload()))
        uow.record(
            from_mapping(EventType.ORDER_SUBMIT_REQUESTED, submit_payload("b3-1-BTCTRY-sell-1", side="sell"))
        )
        uow.record(
            from_mapping(
                EventType.ORDER_ACCEPTED,
                {"client_order_id": "b3-1-BTCTRY-buy-1", "exchange_order_id": "ex-1", "ts_ms": T0 + 1_000},
            )
        )
        uow.record(from_mapping(EventType.ORDER_FILLED, fill_payload()))
        uow.record(
            from_mapping(
                EventType.ORDER_CANCELED, {"client_order_id": "b3-1-BTCTRY-sell-1", "ts_ms": T0 + 3_000}
            )
        )
        uow.record(
            from_mapping(EventType.STATE_CHANGED, {"key": "kill_switch", "value": "off", "ts_ms": T0 + 3_000})
        )
        uow.record(
            from_mapping(
                EventType.CYCLE_COMPLETED,
                {
                    "cycle_id": 1,
                    "ts_ms": T0 + 4_000,
                    "duration_ms": 4_000,
                    "status": "ok",
                    "counters": {"orders_submitted": 2, "fills": 1},
                    "max_data_age_ms": 250,
                },
            )
        )
        uow.commit()
