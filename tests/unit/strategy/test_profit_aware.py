from __future__ import annotations

from decimal import Decimal as D

from bot.domain.account import Position
from bot.domain.intents import CancelIntent, SubmitIntent
from bot.domain.orders import Order, OrderStatus, Side
from bot.strategy.profit_aware import ProfitAwareParams, StrategyView, decide
from bot.testing.builders import btctry_rules, market

NOW = 1_700_000_000_000
PARAMS = ProfitAwareParams(
    entry_notional_try=D("500"),
    max_entry_spread_bps=D("40"),
    entry_offset_bps=D("5"),
    take_profit_margin_bps=D("60"),
    take_profit_fraction=D("0.5"),
    order_ttl_ms=300_000,
)


def view(bid="1400000", ask="1400100", position=None, working=()):
    return StrategyView(
        now_ms=NOW,
        symbols=["BTCTRY"],
        market=market(NOW, {"BTCTRY": (bid, ask)}),
        positions={"BTCTRY": position} if position else {},
        working_orders=list(working),
        rules={"BTCTRY": btctry_rules()},
    )


def test_flat_with_sane_spread_enters_below_the_bid():
    [intent] = decide(view(), PARAMS)
    assert isinstance(intent, SubmitIntent)
    assert intent.side is Side.BUY
    assert intent.price == D("1399300")  # bid less 5 bps, rounded down to the tick
    assert intent.price * intent.quantity == D("500")


def test_wide_spread_does_not_enter():
    assert decide(view(bid="1390000", ask="1400000"), PARAMS) == []


def test_takes_profit_on_part_of_the_position_when_bid_clears_cost():
    position = Position(symbol="BTCTRY", quantity=D("0.01"), average_cost=D("1390000"))
    [intent] = decide(view(position=position), PARAMS)
    assert intent.side is Side.SELL
    assert intent.quantity == D("0.005")
    assert intent.price >= D("1390000") * D("1.006")


def test_holds_when_bid_is_below_cost_plus_margin():
    position = Position(symbol="BTCTRY", quantity=D("0.01"), average_cost=D("1399000"))
    assert decide(view(position=position), PARAMS) == []


def test_sells_everything_when_the_remainder_would_be_dust():
    position = Position(symbol="BTCTRY", quantity=D("0.0001"), average_cost=D("1300000"))
    [intent] = decide(view(position=position), PARAMS)
    assert intent.quantity == D("0.0001")


def test_orders_older_than_ttl_are_cancelled():
    old = Order(
        client_order_id="b3-x-1-0",
        exchange_order_id="9",
        cycle_id=1,
        symbol="BTCTRY",
        side=Side.BUY,
        price=D("1390000"),
        quantity=D("0.001"),
        filled_quantity=D("0"),
        status=OrderStatus.OPEN,
        created_ms=NOW - 400_000,
        updated_ms=NOW - 400_000,
    )
    intents = decide(view(working=[old]), PARAMS)
    assert intents == [
        CancelIntent(
            symbol="BTCTRY", side=Side.BUY, client_order_id="b3-x-1-0", rationale=intents[0].rationale
        )
    ]
