"""Property: whatever the order flow, balances stay exact and consistent."""

from __future__ import annotations

from contextlib import suppress
from dataclasses import dataclass
from decimal import Decimal

from hypothesis import given, settings
from hypothesis import strategies as st
from sim_builders import btctry_rules, row

from bot.domain.money import exact_product
from bot.domain.orders import Side
from bot.exchange.matching import EngineReject, FeeSchedule, MatchingEngine

D = Decimal
START = {"TRY": D("100000"), "BTC": D("1")}

prices = st.integers(min_value=95_000, max_value=105_000).map(D)
quantities = st.integers(min_value=1, max_value=5_000_000).map(lambda n: D(n).scaleb(-8))


@dataclass(frozen=True)
class Submit:
    side: Side
    price: Decimal
    quantity: Decimal


@dataclass(frozen=True)
class Market:
    mid: Decimal
    half_spread: int
    depth: Decimal


@dataclass(frozen=True)
class Cancel:
    pick: int


operations = st.lists(
    st.one_of(
        st.builds(Submit, st.sampled_from([Side.BUY, Side.SELL]), prices, quantities),
        st.builds(Market, prices, st.integers(min_value=1, max_value=300), quantities),
        st.builds(Cancel, st.integers(min_value=0, max_value=20)),
    ),
    max_size=40,
)


@settings(max_examples=150, deadline=None)
@given(operations)
def test_balances_conserve_value_and_free_is_total_minus_locked(ops: list[Submit | Market | Cancel]) -> None:
    engine = MatchingEngine({"BTCTRY": btctry_rules()}, FeeSchedule(tax_rate=D("0.18")))
    engine.open_account("a", START)
    for ts, op in enumerate(ops):
        apply(engine, op, ts)
        check_invariants(engine)


def apply(engine: MatchingEngine, op: Submit | Market | Cancel, ts: int) -> None:
    with suppress(EngineReject):
        if isinstance(op, Submit):
            engine.submit(
                "a",
                symbol="BTCTRY",
                side=op.side,
                price=op.price,
                quantity=op.quantity,
                client_order_id=None,
                ts_ms=ts,
            )
        elif isinstance(op, Market):
            bid, ask = op.mid - op.half_spread, op.mid + op.half_spread
            depth = str(op.depth)
            engine.set_market("BTCTRY", row(ts, str(bid), str(ask), bid_qty=depth, ask_qty=depth))
        else:
            ids = [o.order_id for o in engine.orders("a")]
            if ids:
                engine.cancel("a", ids[op.pick % len(ids)], ts)


def check_invariants(engine: MatchingEngine) -> None:
    balances = engine.balances("a")
    expected = dict(START)
    for trade in engine.trades("a"):
        sign = 1 if trade.side is Side.BUY else -1
        expected["BTC"] += sign * trade.quantity
        expected["TRY"] -= sign * exact_product(trade.price, trade.quantity) + trade.fee + trade.tax
    for asset, total in expected.items():
        balance = balances[asset]
        assert balance.total == total
        assert balance.free == balance.total - balance.locked
        assert balance.locked >= 0 and balance.free >= 0
    for order in engine.orders("a"):
        assert 0 <= order.filled_quantity <= order.quantity
        assert order.is_open or order.locked == 0
