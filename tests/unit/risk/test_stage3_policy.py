from __future__ import annotations

from dataclasses import replace
from decimal import Decimal as D

import pytest

from bot.domain.decisions import DecisionLayer, ReasonCode, Verdict
from bot.domain.intents import CancelIntent, SubmitIntent
from bot.domain.orders import Order, OrderStatus, Side
from bot.risk.stage3_policy import CheckContext, Stage3Limits, check_stage3
from bot.testing.builders import account, btctry_rules, market
from bot.testing.risk_builders import SAFE

NOW = 1_700_000_000_000

LIMITS = Stage3Limits(
    max_orders_per_cycle=3,
    max_open_orders_per_symbol=1,
    side_cooldown_ms=60_000,
    max_notional_per_order_try=D("2000"),
    max_notional_per_cycle_try=D("3000"),
    cash_reserve_try=D("1000"),
    quote_asset="TRY",
    fee_allowance_ratio=D("0"),
)


def ctx(
    *, free_try: str = "100000", free_btc: str = "0", working=(), last_submit=None, safety=SAFE, age_ms=0
):
    return CheckContext(
        cycle_id=7,
        now_ms=NOW,
        market=market(NOW, {"BTCTRY": ("1400000", "1400100")}, age_ms=age_ms),
        account=account(NOW, {"TRY": free_try, "BTC": free_btc}),
        working_orders=tuple(working),
        last_submit_ms=last_submit or {},
        rules={"BTCTRY": btctry_rules()},
        safety=safety,
    )


def buy(notional: str = "500", price: str = "1400000") -> SubmitIntent:
    return SubmitIntent(symbol="BTCTRY", side=Side.BUY, price=D(price), quantity=D(notional) / D(price))


def working_order(side: Side = Side.BUY) -> Order:
    return Order(
        client_order_id="b3-x-1-0",
        exchange_order_id="42",
        cycle_id=1,
        symbol="BTCTRY",
        side=side,
        price=D("1390000"),
        quantity=D("0.001"),
        filled_quantity=D("0"),
        status=OrderStatus.OPEN,
        created_ms=NOW - 1000,
        updated_ms=NOW - 1000,
    )


def test_small_buy_is_approved_with_quantity_on_the_pair_scale():
    [decision] = check_stage3([buy()], ctx(), LIMITS)
    assert decision.verdict is Verdict.APPROVED
    assert decision.final_intent.quantity == D("0.00035714")
    assert decision.cycle_id == 7


def test_notional_per_order_caps_quantity():
    [decision] = check_stage3([buy("5000")], ctx(), LIMITS)
    assert decision.verdict is Verdict.CAPPED
    assert decision.reason_code is ReasonCode.NOTIONAL_PER_ORDER_CAPPED
    assert decision.final_intent.price * decision.final_intent.quantity <= D("2000")


def test_cash_reserve_rejects_a_buy_when_balance_is_already_below_the_reserve():
    [decision] = check_stage3([buy()], ctx(free_try="800"), LIMITS)
    assert decision.verdict is Verdict.REJECTED
    assert decision.reason_code is ReasonCode.CASH_RESERVE_BREACH
    assert decision.layer is DecisionLayer.CAPITAL


def test_cash_reserve_caps_a_buy_to_what_is_above_the_reserve():
    [decision] = check_stage3([buy("1000")], ctx(free_try="1300"), LIMITS)
    assert decision.verdict is Verdict.CAPPED
    assert decision.reason_code is ReasonCode.CASH_RESERVE_CAPPED
    assert decision.final_intent.price * decision.final_intent.quantity <= D("300")


def test_cash_reserve_cap_below_min_notional_is_rejected():
    [decision] = check_stage3([buy("1000")], ctx(free_try="1050"), LIMITS)
    assert decision.reason_code is ReasonCode.BELOW_MIN_NOTIONAL
    assert decision.verdict is Verdict.REJECTED


def test_cycle_notional_caps_then_exhausts():
    intents = [replace(buy("2000"), symbol="BTCTRY") for _ in range(3)]
    limits = replace(LIMITS, max_open_orders_per_symbol=5, side_cooldown_ms=0)
    decisions = check_stage3(intents, ctx(), limits)
    assert [d.verdict for d in decisions] == [Verdict.APPROVED, Verdict.CAPPED, Verdict.REJECTED]
    assert decisions[1].reason_code is ReasonCode.NOTIONAL_PER_CYCLE_CAPPED
    assert decisions[2].reason_code is ReasonCode.NOTIONAL_PER_CYCLE_EXHAUSTED


def test_max_orders_per_cycle():
    limits = replace(
        LIMITS, max_open_orders_per_symbol=10, max_notional_per_cycle_try=D("100000"), side_cooldown_ms=0
    )
    decisions = check_stage3([buy("200") for _ in range(4)], ctx(), limits)
    assert decisions[-1].reason_code is ReasonCode.MAX_ORDERS_PER_CYCLE
    assert sum(d.approved for d in decisions) == 3


def test_max_open_orders_per_symbol_counts_ledger_working_orders():
    [decision] = check_stage3([buy()], ctx(working=[working_order(Side.SELL)]), LIMITS)
    assert decision.reason_code is ReasonCode.MAX_OPEN_ORDERS_PER_SYMBOL


def test_side_cooldown():
    [decision] = check_stage3([buy()], ctx(last_submit={("BTCTRY", Side.BUY): NOW - 5_000}), LIMITS)
    assert decision.reason_code is ReasonCode.SIDE_COOLDOWN


def test_side_cooldown_also_holds_within_one_cycle():
    limits = replace(LIMITS, max_open_orders_per_symbol=5)
    decisions = check_stage3([buy(), buy()], ctx(), limits)
    assert [d.reason_code for d in decisions] == [ReasonCode.OK, ReasonCode.SIDE_COOLDOWN]


def test_buys_of_unresolved_orders_count_against_the_cash_reserve():
    context = replace(ctx(free_try="1500"), unresolved_buy_notional_try=D("500"))
    [decision] = check_stage3([buy("500")], context, LIMITS)
    assert decision.reason_code is ReasonCode.CASH_RESERVE_BREACH


def test_sell_capped_to_free_base_balance():
    sell = SubmitIntent(symbol="BTCTRY", side=Side.SELL, price=D("1400100"), quantity=D("0.001"))
    [decision] = check_stage3([sell], ctx(free_btc="0.0005"), LIMITS)
    assert decision.verdict is Verdict.CAPPED
    assert decision.final_intent.quantity == D("0.0005")


@pytest.mark.parametrize(
    ("safety", "age_ms", "reason"),
    [
        (replace(SAFE, dry_run=True), 0, ReasonCode.DRY_RUN),
        (replace(SAFE, kill_switch=True), 0, ReasonCode.KILL_SWITCH_ACTIVE),
        (replace(SAFE, live=True), 0, ReasonCode.LIVE_NOT_ARMED),
        (replace(SAFE, frozen_symbols=frozenset({"BTCTRY"})), 0, ReasonCode.SYMBOL_FROZEN),
        (SAFE, 60_000, ReasonCode.MARKET_DATA_STALE),
    ],
)
def test_safety_gate_blocks_submits(safety, age_ms, reason):
    [decision] = check_stage3([buy()], ctx(safety=safety, age_ms=age_ms), LIMITS)
    assert decision.verdict is Verdict.REJECTED
    assert decision.reason_code is reason
    assert decision.layer is DecisionLayer.SAFETY_GATE


def test_kill_switch_still_allows_cancels_of_working_orders():
    order = working_order()
    cancel = CancelIntent(symbol="BTCTRY", side=Side.BUY, client_order_id=order.client_order_id)
    [decision] = check_stage3([cancel], ctx(working=[order], safety=replace(SAFE, kill_switch=True)), LIMITS)
    assert decision.verdict is Verdict.APPROVED


@pytest.mark.parametrize(
    ("offset_ms", "exchange_age_ms", "reason"),
    [
        # Our clock runs 60 s slow: data 50 s old on the exchange's clock is stale, not 0 s old.
        (60_000, 50_000, ReasonCode.MARKET_DATA_STALE),
        # Our clock runs 60 s fast: data 1 s old on the exchange's clock is fresh, not 61 s old.
        (-60_000, 1_000, ReasonCode.OK),
    ],
)
def test_data_age_is_measured_on_the_exchange_clock(offset_ms, exchange_age_ms, reason):
    exchange_now = NOW + offset_ms
    skewed = replace(market(NOW, {"BTCTRY": ("1400000", "1400100")}), exchange_offset_ms=offset_ms)
    skewed = replace(
        skewed,
        symbols={"BTCTRY": replace(skewed.symbols["BTCTRY"], ts_ms=exchange_now - exchange_age_ms)},
    )
    [decision] = check_stage3([buy()], replace(ctx(), market=skewed), LIMITS)
    assert decision.reason_code is reason
