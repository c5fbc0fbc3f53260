from __future__ import annotations

from dataclasses import replace
from decimal import Decimal as D

import pytest

from bot.domain.money import quantize_down
from bot.domain.orders import Order, OrderStatus, Side
from bot.strategy.allocation import AllocationParams, allocate, target_weights
from bot.strategy.signals import Signal
from bot.testing.builders import btctry_rules

PARAMS = AllocationParams(
    quote_asset="TRY",
    cash_target_ratio=D("0.1"),
    max_weight_per_symbol=D("0.5"),
    turnover_cap_ratio=D("1"),
    max_orders_per_cycle=5,
    limit_offset_bps=D("10"),
    min_trade_ratio=D("0.01"),
)
RULES = {
    "BTCTRY": btctry_rules(),
    "ETHTRY": btctry_rules(symbol="ETHTRY", base="ETH", price_scale=2, tick_size=D("0.01"), min_price=D(1)),
    "SOLTRY": btctry_rules(symbol="SOLTRY", base="SOL", price_scale=2, tick_size=D("0.01"), min_price=D(1)),
}
MARKS = {"BTCTRY": D("1400050"), "ETHTRY": D("120000.123"), "SOLTRY": D("6000")}


def signals(**scores):
    return {symbol: Signal(symbol=symbol, score=D(score), reason="r") for symbol, score in scores.items()}


def run(targets, positions=None, equity="10000", params=PARAMS, working=(), keep=frozenset(), marks=None):
    return allocate(
        targets={symbol: D(weight) for symbol, weight in targets.items()},
        equity_quote=D(equity),
        positions={symbol: D(quantity) for symbol, quantity in (positions or {}).items()},
        marks=MARKS if marks is None else marks,
        rules=RULES,
        working_orders=list(working),
        params=params,
        keep=keep,
    )


def order(symbol, side):
    return Order(
        client_order_id=f"c-{symbol}-{side}",
        exchange_order_id="e1",
        cycle_id=1,
        symbol=symbol,
        side=side,
        price=D("100"),
        quantity=D("1"),
        filled_quantity=D(0),
        status=OrderStatus.OPEN,
        created_ms=0,
        updated_ms=0,
    )


def test_target_weights_sum_to_at_most_the_investable_share():
    weights = target_weights(
        signals(BTCTRY="1", ETHTRY="1", SOLTRY="1"), ["BTCTRY", "ETHTRY", "SOLTRY"], PARAMS
    )
    assert weights == {"BTCTRY": D("0.3"), "ETHTRY": D("0.3"), "SOLTRY": D("0.3")}
    assert sum(weights.values()) <= 1 - PARAMS.cash_target_ratio


def test_target_weights_with_awkward_scores_never_exceed_the_investable_share():
    weights = target_weights(signals(BTCTRY="0.7", ETHTRY="0.7", SOLTRY="0.7"), list(RULES), PARAMS)
    assert sum(weights.values()) <= D("0.9")
    assert sum(weights.values()) > D("0.899999")


def test_target_weights_cap_each_symbol_and_keep_the_rest_as_cash():
    assert target_weights(
        signals(BTCTRY="1"), ["BTCTRY"], replace(PARAMS, max_weight_per_symbol=D("0.25"))
    ) == {"BTCTRY": D("0.25")}


def test_a_lone_weak_signal_gets_a_small_weight():
    assert target_weights(signals(BTCTRY="0.2"), ["BTCTRY"], PARAMS) == {"BTCTRY": D("0.18")}


def test_target_weights_are_long_only_and_limited_to_the_universe():
    weights = target_weights(signals(BTCTRY="-0.8", ETHTRY="0.5", SOLTRY="1"), ["BTCTRY", "ETHTRY"], PARAMS)
    assert weights == {"BTCTRY": D(0), "ETHTRY": D("0.45")}


def test_a_buy_is_placed_below_the_mark_on_the_tick():
    [intent] = run({"BTCTRY": "0.5"})
    assert intent.side is Side.BUY
    assert intent.price == D("1398649")  # 1400050 * 0.999 = 1398649.95, rounded down to the tick
    assert intent.quantity == quantize_down(D(5000) / D("1400050"), 8)
    assert intent.notional <= D(5000)
    assert "target 0.5000 of equity (5000.00 TRY) vs current 0.0000" in intent.rationale


def test_a_symbol_held_but_not_targeted_is_sold_down_entirely_above_the_mark():
    [intent] = run({}, positions={"ETHTRY": "0.05"})
    assert intent.side is Side.SELL
    assert intent.quantity == D("0.05")
    assert intent.price == D("120120.13")  # 120000.123 * 1.001 = 120120.123123, rounded up


def test_keep_leaves_a_holding_without_an_opinion_alone():
    assert run({}, positions={"ETHTRY": "0.05"}, keep={"ETHTRY"}) == []


def test_sells_never_exceed_the_held_quantity():
    [intent] = run({"ETHTRY": "0"}, positions={"ETHTRY": "0.012345678"})
    assert intent.quantity <= D("0.012345678")


def test_the_turnover_cap_scales_all_trades_down():
    params = replace(PARAMS, turnover_cap_ratio=D("0.3"))
    intents = run({"BTCTRY": "0.45", "ETHTRY": "0.45"}, params=params)
    assert len(intents) == 2
    assert sum(intent.notional for intent in intents) <= D("3000")
    assert sum(intent.notional for intent in intents) > D("2990")
    assert all("scaled down to the turnover cap" in intent.rationale for intent in intents)


def test_max_orders_keeps_the_largest_drifts():
    params = replace(PARAMS, max_orders_per_cycle=2)
    intents = run({"BTCTRY": "0.1", "ETHTRY": "0.3", "SOLTRY": "0.2"}, params=params)
    assert [intent.symbol for intent in intents] == ["ETHTRY", "SOLTRY"]


def test_small_drifts_and_busy_sides_are_left_alone():
    # 0.5% of equity is below the 1% min trade ratio
    assert run({"SOLTRY": "0.005"}) == []
    assert run({"SOLTRY": "0.2"}, working=[order("SOLTRY", Side.BUY)]) == []
    [intent] = run({"SOLTRY": "0.2"}, working=[order("SOLTRY", Side.SELL)])
    assert intent.side is Side.BUY


def test_a_held_position_near_its_target_is_not_churned():
    # 0.2 SOL at 6000 = 1200 TRY = 0.12 of equity; target 0.125 is a 50 TRY drift
    assert run({"SOLTRY": "0.125"}, positions={"SOLTRY": "0.2"}) == []


def test_no_mark_no_action():
    assert run({"BTCTRY": "0.5"}, marks={}) == []


@pytest.mark.parametrize("equity", ["0", "-5"])
def test_no_equity_no_orders(equity):
    assert run({"BTCTRY": "0.5"}, equity=equity) == []


def test_params_are_validated():
    with pytest.raises(ValueError, match="cash_target_ratio"):
        replace(PARAMS, cash_target_ratio=D(1))
    with pytest.raises(ValueError, match="max_orders_per_cycle"):
        replace(PARAMS, max_orders_per_cycle=-1)
