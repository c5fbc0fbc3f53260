from __future__ import annotations

from dataclasses import replace
from decimal import Decimal as D

import pytest

from bot.domain.account import Position
from bot.domain.decisions import DecisionLayer, ReasonCode, Verdict
from bot.domain.intents import CancelIntent, SubmitIntent
from bot.domain.orders import Order, OrderStatus, Side
from bot.domain.risk import RiskMode
from bot.risk.safety_gate import SafetyState
from bot.risk.stage3_policy import CheckContext, Stage3Limits
from bot.risk.stage7_policy import PortfolioContext, PortfolioLimits, check_stage7
from bot.testing.builders import account, btctry_rules, market

NOW = 1_700_000_000_000
SAFE = SafetyState(live=False, live_armed=False, dry_run=False, kill_switch=False, max_data_age_ms=10_000)
LIMITS = PortfolioLimits(
    stage3=Stage3Limits(
        max_orders_per_cycle=10,
        max_open_orders_per_symbol=5,
        side_cooldown_ms=0,
        max_notional_per_order_try=D("5000"),
        max_notional_per_cycle_try=D("50000"),
        cash_reserve_try=D("1000"),
        quote_asset="TRY",
        fee_allowance_ratio=D("0"),
    ),
    max_open_orders=6,
    max_position_notional_try=D("10000"),
    max_exposure_try=D("30000"),
    min_profit_bps=D("50"),
    sell_fee_ratio=D("0.002"),
    slippage_bps=D("10"),
    daily_loss_stop_ratio=D("0.03"),
    drawdown_stop_ratio=D("0.10"),
)
WORKING_SELL = Order(
    client_order_id="w-sell",
    exchange_order_id="1",
    cycle_id=1,
    symbol="BTCTRY",
    side=Side.SELL,
    price=D("1500000"),
    quantity=D("0.002"),
    filled_quantity=D("0"),
    status=OrderStatus.OPEN,
    created_ms=NOW - 1000,
    updated_ms=NOW - 1000,
)


def ctx(*, held="0.01", working=(), safety=SAFE, rules=None, **overrides) -> PortfolioContext:
    base = CheckContext(
        cycle_id=7,
        now_ms=NOW,
        market=market(NOW, {"BTCTRY": ("1400000", "1400100")}),
        account=account(NOW, {"TRY": "100000", "BTC": "1"}),
        working_orders=tuple(working),
        last_submit_ms={},
        rules={"BTCTRY": btctry_rules()} if rules is None else rules,
        safety=safety,
    )
    fields = {
        "base": base,
        "positions": {"BTCTRY": Position(symbol="BTCTRY", quantity=D(held), average_cost=D("1000000"))},
        "universe": frozenset({"BTCTRY"}),
        "drawdown_ratio": D("0"),
        "daily_loss_ratio": D("0"),
        "capital_scale": D("1"),
        "trading_capital_try": D("100000"),
        "mode_causes": ("risk_budget:drawdown",),
    }
    fields.update(overrides)
    return PortfolioContext(**fields)


def buy(notional="1400") -> SubmitIntent:
    return SubmitIntent(
        symbol="BTCTRY", side=Side.BUY, price=D("1400000"), quantity=D(notional) / D("1400000")
    )


def sell(quantity="0.001", price="1500000") -> SubmitIntent:
    return SubmitIntent(symbol="BTCTRY", side=Side.SELL, price=D(price), quantity=D(quantity))


def cancel() -> CancelIntent:
    return CancelIntent(symbol="BTCTRY", side=Side.SELL, client_order_id="w-sell")


def notional(decision) -> D:
    return decision.final_intent.price * decision.final_intent.quantity


def test_normal_mode_approves_like_stage_4_and_records_the_mode():
    [decision] = check_stage7([buy()], ctx(held="0", mode_causes=()), LIMITS)
    assert decision.verdict is Verdict.APPROVED
    assert decision.details == {"mode": "normal"}


# OBSERVE


def test_observe_rejects_every_submit_and_allows_cancels():
    context = ctx(mode=RiskMode.OBSERVE, working=[WORKING_SELL], mode_causes=("anomaly:spread", "budget"))
    decisions = check_stage7([buy(), sell(), cancel()], context, LIMITS)
    for decision in decisions[:2]:
        assert (decision.verdict, decision.reason_code, decision.layer) == (
            Verdict.REJECTED,
            ReasonCode.OBSERVE_ONLY,
            DecisionLayer.RISK_BUDGET,
        )
        assert decision.details["mode_causes"] == "anomaly:spread,budget"
    assert decisions[2].verdict is Verdict.APPROVED
    assert decisions[2].details["mode"] == "observe"


# REDUCE


def test_reduce_rejects_buys():
    [decision] = check_stage7([buy()], ctx(mode=RiskMode.REDUCE), LIMITS)
    assert (decision.reason_code, decision.layer) == (ReasonCode.REDUCE_ONLY, DecisionLayer.RISK_BUDGET)
    assert decision.details["mode"] == "reduce"


def test_reduce_allows_a_sell_within_the_held_position():
    [decision] = check_stage7([sell("0.003")], ctx(mode=RiskMode.REDUCE, held="0.003"), LIMITS)
    assert decision.verdict is Verdict.APPROVED


def test_reduce_caps_sells_to_held_less_working_and_earlier_sells():
    context = ctx(mode=RiskMode.REDUCE, held="0.006", working=[WORKING_SELL])
    decisions = check_stage7([sell("0.003"), sell("0.003", "1500001")], context, LIMITS)
    assert decisions[0].verdict is Verdict.APPROVED
    assert (decisions[1].verdict, decisions[1].reason_code, decisions[1].layer) == (
        Verdict.CAPPED,
        ReasonCode.REDUCE_ONLY,
        DecisionLayer.RISK_BUDGET,
    )
    assert decisions[1].final_intent.quantity == D("0.001")  # 0.006 - 0.002 working - 0.003


def test_reduce_rejects_a_sell_when_nothing_is_held():
    [decision] = check_stage7([sell()], ctx(mode=RiskMode.REDUCE, held="0"), LIMITS)
    assert (decision.verdict, decision.reason_code) == (Verdict.REJECTED, ReasonCode.REDUCE_ONLY)


def test_reduce_lets_losses_be_cut_where_normal_guards_the_minimum_profit():
    below_cost = sell("0.001", "900000")
    [normal] = check_stage7([below_cost], ctx(), LIMITS)
    [reduce] = check_stage7([below_cost], ctx(mode=RiskMode.REDUCE), LIMITS)
    assert normal.reason_code is ReasonCode.MIN_PROFIT_NOT_MET
    assert reduce.verdict is Verdict.APPROVED


# size multiplier


@pytest.mark.parametrize(
    ("notional_try", "halved", "reason", "layer"),
    [
        ("4000", True, ReasonCode.VOLATILITY_CAPPED, DecisionLayer.RISK_BUDGET),
        ("4000", False, ReasonCode.NOTIONAL_PER_ORDER_CAPPED, DecisionLayer.RISK_POLICY),
        # Above even the unscaled cap: the cap itself cuts it.
        ("6000", True, ReasonCode.NOTIONAL_PER_ORDER_CAPPED, DecisionLayer.RISK_POLICY),
    ],
)
def test_size_multiplier_cut_is_volatility_capped_only_when_flagged(notional_try, halved, reason, layer):
    context = ctx(held="0", size_multiplier=D("0.5"), volatility_halved=halved)
    [decision] = check_stage7([buy(notional_try)], context, LIMITS)
    assert (decision.verdict, decision.reason_code, decision.layer) == (Verdict.CAPPED, reason, layer)
    assert notional(decision) <= D("2500")
    assert decision.details["size_multiplier"] == "0.5"


def test_size_multiplier_shrinks_the_position_cap():
    # Position cap 10,000 x 0.5 = 5,000; 0.003 held = 4,200 TRY; 800 left.
    context = ctx(held="0.003", size_multiplier=D("0.5"), volatility_halved=True)
    [decision] = check_stage7([buy("2000")], context, LIMITS)
    assert decision.reason_code is ReasonCode.VOLATILITY_CAPPED
    assert notional(decision) <= D("800")


def test_size_multiplier_shrinks_the_exposure_cap():
    limits = replace(LIMITS, max_position_notional_try=D("1e6"), max_exposure_try=D("20000"))
    context = ctx(held="0.01", size_multiplier=D("0.75"), volatility_halved=False)
    # 20,000 x 0.75 = 15,000; 0.01 at mid 1,400,050 = 14,000.5; 999.5 left.
    [decision] = check_stage7([buy("2000")], context, limits)
    assert decision.reason_code is ReasonCode.EXPOSURE_CAPPED
    assert notional(decision) <= D("999.5")


def test_size_multiplier_above_one_never_widens_a_cap():
    [decision] = check_stage7([buy("6000")], ctx(held="0", size_multiplier=D("2")), LIMITS)
    assert decision.reason_code is ReasonCode.NOTIONAL_PER_ORDER_CAPPED
    assert notional(decision) <= D("5000")


# layer order: safety gate, exchange rules, mode, risk policy, capital


@pytest.mark.parametrize(
    ("overrides", "reason"),
    [
        ({"safety": replace(SAFE, kill_switch=True)}, ReasonCode.KILL_SWITCH_ACTIVE),
        ({"rules": {}}, ReasonCode.RULES_MISSING),
        ({"universe": frozenset(), "daily_loss_ratio": D("1")}, ReasonCode.REDUCE_ONLY),
    ],
)
def test_mode_sits_after_the_gate_and_exchange_rules_and_before_risk_policy(overrides, reason):
    [decision] = check_stage7([buy()], ctx(mode=RiskMode.REDUCE, **overrides), LIMITS)
    assert decision.reason_code is reason
