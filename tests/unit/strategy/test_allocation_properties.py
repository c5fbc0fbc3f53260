from __future__ import annotations

from decimal import Decimal as D

from hypothesis import assume, event, given, settings
from hypothesis import strategies as st

from bot.domain.money import quantize_down
from bot.domain.orders import Side
from bot.strategy.allocation import AllocationParams, allocate
from bot.testing.builders import btctry_rules

SYMBOLS = ("BTCTRY", "ETHTRY", "SOLTRY", "XRPTRY")
RULES = {
    "BTCTRY": btctry_rules(),
    "ETHTRY": btctry_rules(symbol="ETHTRY", base="ETH", price_scale=2, tick_size=D("0.01"), min_price=D(1)),
    "SOLTRY": btctry_rules(
        symbol="SOLTRY", base="SOL", quantity_scale=4, price_scale=1, tick_size=D("0.5"), min_price=D(1)
    ),
    "XRPTRY": btctry_rules(
        symbol="XRPTRY", base="XRP", quantity_scale=0, price_scale=4, tick_size=D("0.0001"), min_price=D(0)
    ),
}


def decimals(low, high, places):
    scale = 10**places
    return st.integers(low * scale, high * scale).map(lambda n: D(n).scaleb(-places))


@st.composite
def scenarios(draw):
    symbols = draw(st.lists(st.sampled_from(SYMBOLS), unique=True, min_size=1, max_size=4))
    # marks from fractions of a lira to millions; holdings worth up to ~1M TRY each
    marks = {symbol: draw(decimals(1, 9_999, 2)).scaleb(draw(st.integers(-2, 3))) for symbol in symbols}
    positions = {
        symbol: quantize_down(draw(decimals(0, 1_000_000, 0)) / marks[symbol], 8) for symbol in symbols
    }
    targets = {symbol: draw(decimals(0, 1, 4)) for symbol in symbols if draw(st.booleans())}
    params = AllocationParams(
        quote_asset="TRY",
        cash_target_ratio=draw(decimals(0, 0, 0) | st.just(D("0.1"))),
        max_weight_per_symbol=D(1),
        turnover_cap_ratio=draw(decimals(0, 2, 3)),
        max_orders_per_cycle=draw(st.integers(1, 5)),
        limit_offset_bps=draw(decimals(0, 100, 1)),
        min_trade_ratio=draw(decimals(0, 0, 0) | st.just(D("0.001"))),
    )
    cash = draw(decimals(0, 5_000_000, 2))
    equity = cash + sum((positions[symbol] * marks[symbol] for symbol in symbols), D(0))
    return targets, equity, positions, marks, params


@settings(max_examples=300, deadline=None)
@given(scenarios())
def test_allocate_never_oversells_nor_passes_the_turnover_cap(scenario):
    targets, equity, positions, marks, params = scenario
    assume(equity > 0)
    intents = allocate(
        targets=targets,
        equity_quote=equity,
        positions=positions,
        marks=marks,
        rules=RULES,
        working_orders=[],
        params=params,
    )
    assert sum((intent.notional for intent in intents), D(0)) <= params.turnover_cap_ratio * equity
    assert len(intents) <= params.max_orders_per_cycle
    event(f"{len(intents)} intents, {sum(i.side is Side.SELL for i in intents)} sells")
    for intent in intents:
        rules = RULES[intent.symbol]
        assert intent.quantity > 0
        assert intent.notional >= rules.min_notional
        assert rules.price_scale_ok(intent.price)
        assert intent.price % rules.tick_size == 0
        assert rules.quantity_scale_ok(intent.quantity)
        if intent.side is Side.SELL:
            assert intent.quantity <= positions[intent.symbol]
