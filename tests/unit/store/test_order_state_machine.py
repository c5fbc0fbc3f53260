"""One order state machine: no sequence of exchange events moves an order along a transition the
table in `bot.domain.order_lifecycle` forbids, fills always count, and `ledger verify` agrees.

The expected quantities are computed here from the events applied, not with the projection's code.
"""

from __future__ import annotations

from decimal import Decimal

from hypothesis import given, settings
from hypothesis import strategies as st
from store_builders import T0, fill_payload, seed, submit_payload

from bot.domain.events import EventType
from bot.domain.money import ZERO
from bot.domain.order_lifecycle import TRANSITIONS, transition_allowed
from bot.domain.orders import OrderStatus
from bot.store import Database, verify_ledger
from bot.store.ledger_events import from_mapping

CID = "b3-1-BTCTRY-buy-1"
EXCHANGE_ID = "ex-1"
QUANTITY = Decimal("0.001")  # submit_payload's
PARTIAL = Decimal("0.0004")

STATUS_EVENTS = {
    "accepted": EventType.ORDER_ACCEPTED,
    "rejected": EventType.ORDER_REJECTED,
    "uncertain": EventType.ORDER_SUBMIT_UNCERTAIN,
    "unknown": EventType.ORDER_MARKED_UNKNOWN,
    "missing": EventType.ORDER_MISSING_ON_EXCHANGE,
    "cancel_requested": EventType.ORDER_CANCEL_REQUESTED,
    "canceled": EventType.ORDER_CANCELED,
}
FILL_EVENTS = ("fill_partial", "fill_rest", "fill_again")
# A fill carries our client order id, or only the exchange's order id (an orphan until accepted).
steps = st.lists(
    st.tuples(st.sampled_from([*STATUS_EVENTS, *FILL_EVENTS]), st.booleans()), min_size=1, max_size=14
)


class Ledger:
    """One order and the events applied to it, with what the fills should add up to."""

    def __init__(self, database: Database) -> None:
        self.db = database
        self.ts = T0
        self.trades: dict[str, Decimal] = {}  # trade id -> quantity, each counted once
        self.last_fill: dict[str, object] | None = None
        with database.unit_of_work() as uow:
            seed(uow, TRY="100000", BTC="0")
            uow.record(from_mapping(EventType.ORDER_SUBMIT_REQUESTED, submit_payload(CID)))
            uow.commit()

    def order(self) -> tuple[OrderStatus, Decimal]:
        row = self.db.connection.execute(
            "SELECT status, filled_quantity FROM orders WHERE client_order_id = ?", (CID,)
        ).fetchone()
        return OrderStatus(row[0]), Decimal(row[1])

    def linked_fills(self) -> Decimal:
        rows = self.db.connection.execute("SELECT quantity FROM fills WHERE client_order_id = ?", (CID,))
        return sum((Decimal(q) for (q,) in rows), ZERO)

    def apply(self, step: str, with_client_id: bool) -> None:
        self.ts += 1
        if step in STATUS_EVENTS:
            payload = self._status_payload(step)
        else:
            payload = self._fill_payload(step, with_client_id)
        with self.db.unit_of_work() as uow:
            uow.record(from_mapping(STATUS_EVENTS.get(step, EventType.ORDER_FILLED), payload))
            uow.commit()

    def _status_payload(self, step: str) -> dict[str, object]:
        payload: dict[str, object] = {"client_order_id": CID, "ts_ms": self.ts}
        extra: dict[str, dict[str, object]] = {
            "accepted": {"exchange_order_id": EXCHANGE_ID},
            "rejected": {"code": 1122, "message": "BALANCE_NOT_ENOUGH"},
            "uncertain": {"message": "timeout"},
            "unknown": {"message": "not found"},
            "missing": {"message": "neither open nor found"},
            "cancel_requested": {"reason": "ttl"},
        }
        return payload | extra.get(step, {})

    def _fill_payload(self, step: str, with_client_id: bool) -> dict[str, object]:
        if step == "fill_again" and self.last_fill is not None:
            return self.last_fill  # the same trade read again: a duplicate
        counted = sum(self.trades.values(), ZERO)
        quantity = QUANTITY - counted if step == "fill_rest" and counted < QUANTITY else PARTIAL
        trade_id = f"t-{len(self.trades) + 1}"
        self.trades[trade_id] = quantity
        self.last_fill = fill_payload(
            trade_id,
            client_order_id=CID if with_client_id else None,
            exchange_order_id=EXCHANGE_ID,
            quantity=quantity,
            ts_ms=self.ts,
        )
        return self.last_fill


@settings(max_examples=300, deadline=None)
@given(steps)
def test_no_event_sequence_breaks_the_order_state_machine(sequence: list[tuple[str, bool]]) -> None:
    with Database.in_memory() as database:
        ledger = Ledger(database)
        for step, with_client_id in sequence:
            before, _ = ledger.order()
            ledger.apply(step, with_client_id)
            after, filled = ledger.order()
            assert after is before or transition_allowed(before, after), f"{step}: {before} -> {after}"
            assert filled == ledger.linked_fills(), f"{step}: the order counts exactly its linked fills"
        btc = database.connection.execute("SELECT total FROM balances WHERE asset = 'BTC'").fetchone()
        assert Decimal(btc[0]) == sum(ledger.trades.values(), ZERO), "every fill counts in the balance once"
        report = verify_ledger(database)
        assert report.ok, report.problems


def test_a_late_fill_on_a_canceled_order_counts_but_the_order_stays_canceled() -> None:
    with Database.in_memory() as database:
        ledger = Ledger(database)
        for step in ("accepted", "canceled", "fill_rest"):
            ledger.apply(step, True)
        assert ledger.order() == (OrderStatus.CANCELED, QUANTITY)
        assert verify_ledger(database).ok


def test_terminal_states_have_no_way_out_and_every_state_is_in_the_table() -> None:
    assert set(TRANSITIONS) == set(OrderStatus)
    assert all(not TRANSITIONS[s] for s in OrderStatus if s.is_terminal)
