from __future__ import annotations

from dataclasses import replace
from decimal import Decimal as D

import pytest

from bot.domain.account import Position
from bot.domain.decisions import DecisionLayer, ReasonCode, Verdict
from bot.domain.intents import CancelIntent, SubmitIntent
from bot.domain.orders import Order, OrderStatus, Side
from bot.domain.risk import RiskMode
from bot.risk.portfolio_policy import PortfolioContext, check_portfolio
from bot.risk.stage3_policy import CheckContext
from bot.testing.builders import account, btctry_rules, market
from bot.testing.risk_builders import SAFE, portfolio_limits

NOW = 1_700_000_000_000
QUOTES = {"BTCTRY": ("1400000", "1400100"), "ETHTRY": ("100000", "100100")}
RULES = {"BTCTRY": btctry_rules(), "ETHTRY": btctry_rules(symbol="ETHTRY", base="ETH")}
LIMITS = portfolio_limits()


def ctx(
    *, free_try="100000", free_btc="1", working=(), positions=(), safety=SAFE, rules=RULES, **overrides
) -> PortfolioContext:
    base = CheckContext(
        cycle_id=4,
        now_ms=NOW,
        market=market(NOW, QUOTES),
        account=account(NOW, {"TRY": free_try, "BTC": free_btc, "ETH": "10"}),
        working_orders=tuple(working),
        last_submit_ms={},
        rules=rules,
        safety=safety,
    )
    fields = {
        "base": base,
        "positions": {p.symbol: p for p in positions},
        "universe": frozenset({"BTCTRY", "ETHTRY"}),
        "drawdown_ratio": D("0"),
        "daily_loss_ratio": D("0"),
        "capital_scale": D("1"),
        "trading_capital_try": D("100000"),
    }
    fields.update(overrides)
    return PortfolioContext(**fields)


def buy(notional="1400", price="1400000", symbol="BTCTRY", **kw) -> SubmitIntent:
    return SubmitIntent(symbol=symbol, side=Side.BUY, price=D(price), quantity=D(notional) / D(price), **kw)


def sell(quantity="0.001", price="1500000", symbol="BTCTRY") -> SubmitIntent:
    return SubmitIntent(symbol=symbol, side=Side.SELL, price=D(price), quantity=D(quantity))


def working(
    cid="w-1", side=Side.BUY, quantity="0.004", price="1390000", symbol="BTCTRY", filled="0"
) -> Order:
    return Order(
        client_order_id=cid,
        exchange_order_id="1",
        cycle_id=1,
        symbol=symbol,
        side=side,
        price=D(price),
        quantity=D(quantity),
        filled_quantity=D(filled),
        status=OrderStatus.OPEN,
        created_ms=NOW - 1000,
        updated_ms=NOW - 1000,
    )


def btc(quantity="0", average_cost="1000000", symbol="BTCTRY") -> Position:
    return Position(symbol=symbol, quantity=D(quantity), average_cost=D(average_cost))


WORKING_SELL = working("w-sell", side=Side.SELL, quantity="0.002", price="1500000")


def notional(decision) -> D:
    return decision.final_intent.price * decision.final_intent.quantity


def cancel(cid="w-sell", side=Side.SELL) -> CancelIntent:
    return CancelIntent(symbol="BTCTRY", side=side, client_order_id=cid)


def test_buy_within_every_limit_is_approved():
    [decision] = check_portfolio([buy()], ctx(), LIMITS)
    assert (decision.verdict, decision.reason_code) == (Verdict.APPROVED, ReasonCode.OK)


# universe


def test_buy_outside_the_universe_is_rejected_by_risk_policy():
    [decision] = check_portfolio([buy()], ctx(universe=frozenset({"ETHTRY"})), LIMITS)
    assert decision.reason_code is ReasonCode.SYMBOL_NOT_IN_UNIVERSE
    assert decision.layer is DecisionLayer.RISK_POLICY


def test_sell_of_a_held_position_outside_the_universe_is_allowed():
    context = ctx(universe=frozenset({"ETHTRY"}), positions=[btc("0.01")])
    [decision] = check_portfolio([sell()], context, LIMITS)
    assert decision.verdict is Verdict.APPROVED


def test_sell_outside_the_universe_without_a_position_is_rejected():
    [decision] = check_portfolio([sell()], ctx(universe=frozenset({"ETHTRY"})), LIMITS)
    assert decision.reason_code is ReasonCode.SYMBOL_NOT_IN_UNIVERSE


# open orders and replace worst case


def test_max_open_orders_counts_working_orders_on_every_symbol():
    orders = [working(f"w-{i}", symbol="ETHTRY", price="90000", quantity="0.01") for i in range(3)]
    orders += [working(f"w-b{i}", side=Side.SELL, price="1600000", quantity="0.001") for i in range(2)]
    decisions = check_portfolio([buy(), buy(symbol="ETHTRY", price="100000")], ctx(working=orders), LIMITS)
    assert [d.reason_code for d in decisions] == [ReasonCode.OK, ReasonCode.MAX_OPEN_ORDERS]


@pytest.mark.parametrize(("max_open", "reason"), [(2, ReasonCode.MAX_OPEN_ORDERS), (3, ReasonCode.OK)])
def test_replace_counts_the_replaced_order_until_its_cancel_is_confirmed(max_open, reason):
    old = working("w-old")
    other = working("w-eth", symbol="ETHTRY", price="90000", quantity="0.01")
    batch = [
        CancelIntent(symbol="BTCTRY", side=Side.BUY, client_order_id="w-old"),
        buy(replaces="w-old"),
    ]
    decisions = check_portfolio(batch, ctx(working=[old, other]), replace(LIMITS, max_open_orders=max_open))
    assert decisions[0].verdict is Verdict.APPROVED  # the cancel frees nothing in this cycle
    assert decisions[1].reason_code is reason


def test_replace_keeps_the_replaced_buy_in_the_position():
    # Old buy 0.004 BTC still working: (0 + 0.004 + q) x 1,400,000 <= 10,000 leaves 4,400 TRY.
    batch = [
        CancelIntent(symbol="BTCTRY", side=Side.BUY, client_order_id="w-old"),
        buy("5000", replaces="w-old"),
    ]
    decisions = check_portfolio(batch, ctx(working=[working("w-old")]), LIMITS)
    assert decisions[1].reason_code is ReasonCode.POSITION_NOTIONAL_CAPPED
    assert notional(decisions[1]) <= D("4400")
    assert notional(decisions[1]) > D("4399")


def test_replace_keeps_the_replaced_buy_in_the_exposure_and_the_trading_capital():
    old = working("w-old", quantity="0.01")  # 13,900 TRY of open buy notional
    limits = replace(LIMITS, max_position_notional_try=D("100000"), max_exposure_try=D("16000"))
    [decision] = check_portfolio([buy("5000", replaces="w-old")], ctx(working=[old]), limits)
    assert decision.reason_code is ReasonCode.EXPOSURE_CAPPED
    assert notional(decision) <= D("2100")
    context = ctx(working=[old], trading_capital_try=D("13950"))
    [decision] = check_portfolio(
        [buy("5000", replaces="w-old")], context, replace(limits, max_exposure_try=D("1e6"))
    )
    assert decision.reason_code is ReasonCode.TRADING_CAPITAL_EXHAUSTED
    assert decision.layer is DecisionLayer.CAPITAL


# position and exposure


def test_position_counts_held_open_and_this_cycles_buys():
    context = ctx(positions=[btc("0.002")], working=[working(quantity="0.002", filled="0.001")])
    # held 0.002 + open 0.001 = 4,200 TRY at 1,400,000; first buy 4,000 leaves 1,800 for the second.
    decisions = check_portfolio([buy("4000"), buy("4000")], context, LIMITS)
    assert decisions[0].verdict is Verdict.APPROVED
    assert decisions[1].reason_code is ReasonCode.POSITION_NOTIONAL_CAPPED
    assert notional(decisions[1]) <= D("1800")


def test_position_with_no_room_for_a_minimum_order_is_rejected():
    [decision] = check_portfolio([buy()], ctx(positions=[btc("0.0071")]), LIMITS)  # 9,940 of 10,000
    assert decision.reason_code is ReasonCode.POSITION_LIMIT_REACHED
    assert decision.layer is DecisionLayer.RISK_POLICY


def test_exposure_marks_positions_at_mid_and_falls_back_to_average_cost():
    positions = [btc("0.01"), Position(symbol="XRPTRY", quantity=D("100"), average_cost=D("20"))]
    limits = replace(LIMITS, max_exposure_try=D("20000"))
    # 0.01 x 1,400,050 + 100 x 20 = 16,000.5 used; 3,999.5 left.
    [decision] = check_portfolio([buy("5000", "100000", "ETHTRY")], ctx(positions=positions), limits)
    assert decision.reason_code is ReasonCode.EXPOSURE_CAPPED
    assert D("3999") < notional(decision) <= D("3999.5")


def test_exposure_with_no_room_is_rejected():
    limits = replace(LIMITS, max_exposure_try=D("14050"))
    [decision] = check_portfolio([buy(symbol="ETHTRY", price="100000")], ctx(positions=[btc("0.01")]), limits)
    assert decision.reason_code is ReasonCode.EXPOSURE_LIMIT_REACHED


# minimum profit


def test_min_profit_price_includes_fees_and_slippage():
    # Net of the 0.2% exit fee a unit must bring 1,000,000 x 1.005 x 1.001 = 1,006,005 TRY,
    # so the lowest price is 1,006,005 / 0.998 = 1,008,021.04...
    context = ctx(positions=[btc("0.01", "1000000")])
    [below] = check_portfolio([sell(price="1008021")], context, LIMITS)
    [at] = check_portfolio([sell(price="1008022")], context, LIMITS)
    assert below.reason_code is ReasonCode.MIN_PROFIT_NOT_MET
    assert below.layer is DecisionLayer.RISK_POLICY
    assert below.details["min_price"].startswith("1008021.04")
    assert at.verdict is Verdict.APPROVED


def test_min_profit_does_not_guard_a_sell_without_a_cost_basis():
    [decision] = check_portfolio([sell("0.2", price="1000")], ctx(), LIMITS)
    assert decision.verdict is Verdict.APPROVED


# loss stops


@pytest.mark.parametrize(
    ("overrides", "reason"),
    [
        ({"daily_loss_ratio": D("0.03")}, ReasonCode.DAILY_LOSS_STOP),
        ({"drawdown_ratio": D("0.10")}, ReasonCode.DRAWDOWN_STOP),
        ({"daily_loss_ratio": D("0.05"), "drawdown_ratio": D("0.2")}, ReasonCode.DAILY_LOSS_STOP),
    ],
)
def test_loss_stops_block_buys_but_not_sells_or_cancels(overrides, reason):
    order = working("w-1", side=Side.SELL, price="1600000", quantity="0.001")
    batch = [buy(), sell(), CancelIntent(symbol="BTCTRY", side=Side.SELL, client_order_id="w-1")]
    decisions = check_portfolio(batch, ctx(working=[order], positions=[btc("0.01")], **overrides), LIMITS)
    assert (decisions[0].reason_code, decisions[0].layer) == (reason, DecisionLayer.RISK_POLICY)
    assert [d.verdict for d in decisions[1:]] == [Verdict.APPROVED, Verdict.APPROVED]


def test_loss_stops_allow_buys_just_below_the_stop():
    context = ctx(daily_loss_ratio=D("0.0299"), drawdown_ratio=D("0.0999"))
    [decision] = check_portfolio([buy()], context, LIMITS)
    assert decision.verdict is Verdict.APPROVED


# capital scaling


def test_capital_scale_shrinks_the_per_order_cap_for_buys_only():
    context = ctx(capital_scale=D("0.5"))
    decisions = check_portfolio([buy("4000"), sell("0.0025")], context, LIMITS)
    assert decisions[0].reason_code is ReasonCode.NOTIONAL_PER_ORDER_CAPPED
    assert notional(decisions[0]) <= D("2500")
    assert decisions[1].verdict is Verdict.APPROVED  # 3,750 TRY exit: not slowed by the scale


def test_capital_scale_shrinks_the_position_and_exposure_caps():
    context = ctx(capital_scale=D("0.5"), positions=[btc("0.003")])  # 4,200 of a 5,000 position cap
    [decision] = check_portfolio([buy("2000")], context, LIMITS)
    assert decision.reason_code is ReasonCode.POSITION_NOTIONAL_CAPPED
    assert notional(decision) <= D("800")
    limits = replace(LIMITS, max_exposure_try=D("10000"))  # 5,000 after scaling, 4,200.15 used
    [decision] = check_portfolio([buy("2000", "100000", "ETHTRY")], context, limits)
    assert decision.reason_code is ReasonCode.EXPOSURE_CAPPED
    assert notional(decision) <= D("799.85")


def test_capital_scale_above_one_grows_the_caps():
    [decision] = check_portfolio([buy("9000")], ctx(capital_scale=D("2")), LIMITS)
    assert decision.verdict is Verdict.APPROVED


def test_zero_capital_scale_allows_no_buy():
    [decision] = check_portfolio([buy()], ctx(capital_scale=D("0")), LIMITS)
    assert decision.verdict is Verdict.REJECTED
    assert decision.reason_code is ReasonCode.POSITION_LIMIT_REACHED


def test_trading_capital_bounds_open_and_new_buys():
    open_buy = working("w-eth", symbol="ETHTRY", price="90000", quantity="0.05")  # 4,500 TRY
    context = ctx(working=[open_buy], trading_capital_try=D("7000"))
    decisions = check_portfolio([buy("2100"), buy("2000", "100000", "ETHTRY")], context, LIMITS)
    assert decisions[0].verdict is Verdict.APPROVED
    assert (decisions[1].reason_code, decisions[1].layer) == (
        ReasonCode.TRADING_CAPITAL_CAPPED,
        DecisionLayer.CAPITAL,
    )
    assert notional(decisions[1]) == D("400")  # 7,000 - 4,500 - 2,100


def test_capital_deployed_in_positions_counts_at_cost_against_trading_capital():
    # 0.004 BTC bought at 1,000,000 is 4,000 TRY of trading capital in use, whatever the mark.
    context = ctx(positions=[btc("0.004")], trading_capital_try=D("7000"))
    [decision] = check_portfolio([buy("5000", "1000000")], context, LIMITS)
    assert (decision.reason_code, decision.layer) == (
        ReasonCode.TRADING_CAPITAL_CAPPED,
        DecisionLayer.CAPITAL,
    )
    assert notional(decision) == D("3000")


def test_cash_reserve_still_holds_under_a_large_trading_capital():
    [decision] = check_portfolio([buy("4000")], ctx(free_try="3000", trading_capital_try=D("1e9")), LIMITS)
    assert decision.reason_code is ReasonCode.CASH_RESERVE_CAPPED
    assert notional(decision) <= D("2000")


# mode (layer risk budget): stage 4's caller passes the anomaly degrade level, stage 7's the
# stricter of that and the risk budget mode; the checks obey whichever it is.


def test_normal_mode_approves_and_records_the_mode():
    [decision] = check_portfolio([buy()], ctx(), LIMITS)
    assert decision.verdict is Verdict.APPROVED
    assert decision.details == {"mode": "normal"}


def test_normal_mode_with_multiplier_one_gives_the_plain_caps():
    # volatility_halved alone cuts nothing: only the multiplier does.
    context = ctx(positions=[btc("0.003")], size_multiplier=D("1"), volatility_halved=True)
    decisions = check_portfolio([buy("6000"), buy("6000")], context, LIMITS)
    assert decisions[0].reason_code is ReasonCode.NOTIONAL_PER_ORDER_CAPPED
    assert D("4999") < notional(decisions[0]) <= D("5000")
    # Position cap 10,000: 4,200 held and the first buy leave about 800.
    assert decisions[1].reason_code is ReasonCode.POSITION_NOTIONAL_CAPPED
    assert D("9999") < D("4200") + notional(decisions[0]) + notional(decisions[1]) <= D("10000")


# OBSERVE


def test_observe_rejects_every_submit_and_allows_cancels():
    context = ctx(
        mode=RiskMode.OBSERVE,
        positions=[btc("0.01")],
        working=[WORKING_SELL],
        mode_causes=("anomaly:spread", "budget"),
    )
    decisions = check_portfolio([buy(), sell(), cancel()], context, LIMITS)
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
    [decision] = check_portfolio([buy()], ctx(mode=RiskMode.REDUCE, positions=[btc("0.01")]), LIMITS)
    assert (decision.reason_code, decision.layer) == (ReasonCode.REDUCE_ONLY, DecisionLayer.RISK_BUDGET)
    assert decision.details["mode"] == "reduce"


def test_reduce_allows_a_sell_within_the_held_position():
    context = ctx(mode=RiskMode.REDUCE, positions=[btc("0.003")])
    [decision] = check_portfolio([sell("0.003")], context, LIMITS)
    assert decision.verdict is Verdict.APPROVED


def test_reduce_caps_sells_to_held_less_working_and_earlier_sells():
    context = ctx(mode=RiskMode.REDUCE, positions=[btc("0.006")], working=[WORKING_SELL])
    decisions = check_portfolio([sell("0.003"), sell("0.003", "1500001")], context, LIMITS)
    assert decisions[0].verdict is Verdict.APPROVED
    assert (decisions[1].verdict, decisions[1].reason_code, decisions[1].layer) == (
        Verdict.CAPPED,
        ReasonCode.REDUCE_ONLY,
        DecisionLayer.RISK_BUDGET,
    )
    assert decisions[1].final_intent.quantity == D("0.001")  # 0.006 - 0.002 working - 0.003


def test_reduce_rejects_a_sell_when_nothing_is_held():
    [decision] = check_portfolio([sell()], ctx(mode=RiskMode.REDUCE, positions=[btc("0")]), LIMITS)
    assert (decision.verdict, decision.reason_code) == (Verdict.REJECTED, ReasonCode.REDUCE_ONLY)


def test_reduce_lets_losses_be_cut_where_normal_guards_the_minimum_profit():
    below_cost = sell("0.001", "900000")
    [normal] = check_portfolio([below_cost], ctx(positions=[btc("0.01")]), LIMITS)
    [reduce] = check_portfolio([below_cost], ctx(mode=RiskMode.REDUCE, positions=[btc("0.01")]), LIMITS)
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
    context = ctx(size_multiplier=D("0.5"), volatility_halved=halved)
    [decision] = check_portfolio([buy(notional_try)], context, LIMITS)
    assert (decision.verdict, decision.reason_code, decision.layer) == (Verdict.CAPPED, reason, layer)
    assert notional(decision) <= D("2500")
    assert decision.details["size_multiplier"] == "0.5"


def test_size_multiplier_shrinks_the_position_cap():
    # Position cap 10,000 x 0.5 = 5,000; 0.003 held = 4,200 TRY; 800 left.
    context = ctx(positions=[btc("0.003")], size_multiplier=D("0.5"), volatility_halved=True)
    [decision] = check_portfolio([buy("2000")], context, LIMITS)
    assert decision.reason_code is ReasonCode.VOLATILITY_CAPPED
    assert notional(decision) <= D("800")


def test_size_multiplier_shrinks_the_exposure_cap():
    limits = replace(LIMITS, max_position_notional_try=D("1e6"), max_exposure_try=D("20000"))
    context = ctx(positions=[btc("0.01")], size_multiplier=D("0.75"), volatility_halved=False)
    # 20,000 x 0.75 = 15,000; 0.01 at mid 1,400,050 = 14,000.5; 999.5 left.
    [decision] = check_portfolio([buy("2000")], context, limits)
    assert decision.reason_code is ReasonCode.EXPOSURE_CAPPED
    assert notional(decision) <= D("999.5")


def test_size_multiplier_above_one_never_widens_a_cap():
    [decision] = check_portfolio([buy("6000")], ctx(size_multiplier=D("2")), LIMITS)
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
    context = ctx(mode=RiskMode.REDUCE, positions=[btc("0.01")], **overrides)
    [decision] = check_portfolio([buy()], context, LIMITS)
    assert decision.reason_code is reason
