from __future__ import annotations

from decimal import Decimal as D

import pytest

from bot.domain.intents import CancelIntent, SubmitIntent
from bot.domain.orders import Order, OrderStatus, Side
from bot.strategy.order_planning import LifecycleParams, plan_lifecycle
from bot.testing.builders import btctry_rules

NOW = 1_700_000_000_000
PARAMS = LifecycleParams(drift_bps=D("50"), ttl_ms=300_000, limit_offset_bps=D("10"))
RULES = {
    "BTCTRY": btctry_rules(),
    "ETHTRY": btctry_rules(symbol="ETHTRY", base="ETH", price_scale=2, tick_size=D("0.01"), min_price=D(1)),
}


def order(
    symbol="BTCTRY",
    side=Side.BUY,
    price="1400000",
    quantity="0.01",
    filled="0",
    status=OrderStatus.OPEN,
    age_ms=60_000,
    coid=None,
):
    return Order(
        client_order_id=coid or f"c-{symbol}",
        exchange_order_id="e1",
        cycle_id=1,
        symbol=symbol,
        side=side,
        price=D(price),
        quantity=D(quantity),
        filled_quantity=D(filled),
        status=status,
        created_ms=NOW - age_ms,
        updated_ms=NOW - age_ms,
    )


def plan(orders, marks):
    return plan_lifecycle(
        working_orders=orders,
        marks={symbol: D(mark) for symbol, mark in marks.items()},
        rules=RULES,
        now_ms=NOW,
        params=PARAMS,
    )


def test_an_order_at_its_ttl_is_cancelled_even_without_a_mark():
    [intent] = plan([order(age_ms=300_000)], {})
    assert isinstance(intent, CancelIntent)
    assert intent.client_order_id == "c-BTCTRY"
    assert intent.rationale.startswith("ttl")


def test_a_young_order_near_its_mark_is_left_alone():
    assert plan([order(price="1400000")], {"BTCTRY": "1401000"}) == []  # ~7 bps


def test_no_mark_for_the_symbol_means_no_action():
    assert plan([order()], {"ETHTRY": "1"}) == []


def test_a_drifted_order_is_cancelled_and_replaced_at_its_own_symbols_mark():
    [cancel, replacement] = plan([order(price="1400000")], {"BTCTRY": "1430000"})  # ~214 bps
    assert isinstance(cancel, CancelIntent)
    assert cancel.client_order_id == "c-BTCTRY"
    assert cancel.rationale.startswith("drift")
    assert isinstance(replacement, SubmitIntent)
    assert replacement.replaces == "c-BTCTRY"
    assert replacement.side is Side.BUY
    assert replacement.price == D("1428570")  # 1430000 * 0.999, rounded down to the tick
    assert replacement.quantity == D("0.01")


def test_drift_is_measured_against_the_orders_own_symbol_never_another():
    # ETH trades near 120k, BTC near 1.4M: judged against BTC's mark the ETH order would look
    # hopelessly drifted, against its own it is fine; and the BTC order drifted only on its own mark.
    eth = order(symbol="ETHTRY", price="120000.00", quantity="0.5", coid="c-eth")
    btc = order(symbol="BTCTRY", price="1400000", coid="c-btc")
    intents = plan([eth, btc], {"ETHTRY": "120050", "BTCTRY": "1500000"})
    assert [intent.client_order_id for intent in intents if isinstance(intent, CancelIntent)] == ["c-btc"]
    [replacement] = [intent for intent in intents if isinstance(intent, SubmitIntent)]
    assert replacement.symbol == "BTCTRY"
    assert replacement.price == D("1498500")

    eth_drifted = plan([eth, btc], {"ETHTRY": "125000", "BTCTRY": "1400000"})
    [replacement] = [intent for intent in eth_drifted if isinstance(intent, SubmitIntent)]
    assert replacement.replaces == "c-eth"
    assert replacement.price == D("124875.00")  # from ETH's mark, not BTC's


def test_a_partially_filled_order_is_replaced_for_its_remainder_only():
    partial = order(
        side=Side.SELL, price="1400000", quantity="0.01", filled="0.004", status=OrderStatus.PARTIALLY_FILLED
    )
    [_, replacement] = plan([partial], {"BTCTRY": "1300000"})
    assert replacement.side is Side.SELL
    assert replacement.quantity == D("0.006")
    assert replacement.price == D("1301300")  # a sell sits above the mark


def test_a_remainder_too_small_to_replace_is_only_cancelled():
    dust = order(quantity="0.01", filled="0.00995", status=OrderStatus.PARTIALLY_FILLED)
    [intent] = plan([dust], {"BTCTRY": "1500000"})
    assert isinstance(intent, CancelIntent)
    assert "too small to replace" in intent.rationale


@pytest.mark.parametrize(
    "status",
    [
        OrderStatus.PENDING_SUBMIT,
        OrderStatus.UNCERTAIN,
        OrderStatus.UNKNOWN,
        OrderStatus.CANCEL_REQUESTED,
        OrderStatus.FILLED,
    ],
)
def test_orders_not_open_on_the_exchange_are_never_touched(status):
    assert plan([order(status=status, age_ms=10_000_000)], {"BTCTRY": "2000000"}) == []


def test_drift_must_exceed_the_offset():
    with pytest.raises(ValueError, match="drift_bps"):
        LifecycleParams(drift_bps=D("10"), ttl_ms=1, limit_offset_bps=D("10"))
