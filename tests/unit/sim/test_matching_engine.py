from __future__ import annotations

from decimal import Decimal

import pytest
from sim_builders import btctry_rules, row

from bot.domain.money import exact_product
from bot.domain.orders import OrderStatus, Side
from bot.exchange.matching import EngineReject, FeeSchedule, MatchingEngine

D = Decimal
FEES = FeeSchedule(maker_rate=D("0.0005"), taker_rate=D("0.0009"), tax_rate=D("0.18"))


def make_engine(try_balance: str = "100000", btc_balance: str = "1") -> MatchingEngine:
    engine = MatchingEngine({"BTCTRY": btctry_rules()}, FEES, order_id_start=100, trade_id_start=500)
    engine.open_account("a", {"TRY": D(try_balance), "BTC": D(btc_balance)})
    return engine


def buy(engine: MatchingEngine, price: str, qty: str, cid: str = "c1", ts: int = 1) -> int:
    order = engine.submit(
        "a", symbol="BTCTRY", side=Side.BUY, price=D(price), quantity=D(qty), client_order_id=cid, ts_ms=ts
    )
    return order.order_id


def sell(engine: MatchingEngine, price: str, qty: str, cid: str = "s1", ts: int = 1) -> int:
    order = engine.submit(
        "a", symbol="BTCTRY", side=Side.SELL, price=D(price), quantity=D(qty), client_order_id=cid, ts_ms=ts
    )
    return order.order_id


def test_limit_buy_rests_until_the_ask_crosses_and_fills_at_its_price_as_maker() -> None:
    engine = make_engine()
    engine.set_market("BTCTRY", row(1, "1000", "1010"))
    order_id = buy(engine, "1005", "0.1")
    assert engine.trades("a") == []
    assert engine.set_market("BTCTRY", row(2, "1001", "1006")) == []
    trades = engine.set_market("BTCTRY", row(3, "999", "1002"))
    assert [(t.order_id, t.price, t.quantity, t.maker) for t in trades] == [
        (order_id, D(1005), D("0.1"), True)
    ]
    order = engine.order("a", order_id)
    assert order is not None
    assert order.status is OrderStatus.FILLED
    assert order.locked == 0
    assert trades[0].trade_id == 500
    assert order_id == 100


def test_resting_sell_fills_when_bid_reaches_its_price() -> None:
    engine = make_engine()
    order_id = sell(engine, "1200", "0.5")
    assert engine.set_market("BTCTRY", row(2, "1199", "1210")) == []
    trades = engine.set_market("BTCTRY", row(3, "1250", "1260", bid_qty="2"))
    assert [(t.order_id, t.price, t.quantity, t.side) for t in trades] == [
        (order_id, D(1200), D("0.5"), Side.SELL)
    ]


def test_step_liquidity_limits_fills_and_is_consumed_in_time_priority() -> None:
    engine = make_engine()
    first = buy(engine, "1000", "0.04", cid="first")
    second = buy(engine, "1001", "0.04", cid="second")
    trades = engine.set_market("BTCTRY", row(2, "990", "1000", ask_qty="0.05"))
    assert [(t.order_id, t.quantity) for t in trades] == [(first, D("0.04")), (second, D("0.01"))]
    partial = engine.order("a", second)
    assert partial is not None
    assert partial.status is OrderStatus.PARTIALLY_FILLED
    assert partial.remaining_quantity == D("0.03")
    trades = engine.set_market("BTCTRY", row(3, "990", "1000", ask_qty="0.02"))
    assert [(t.order_id, t.quantity) for t in trades] == [(second, D("0.02"))]


def test_crossing_order_is_taker_at_the_top_price_and_shares_the_step_liquidity() -> None:
    engine = make_engine()
    engine.set_market("BTCTRY", row(1, "990", "1000", ask_qty="0.3"))
    order_id = buy(engine, "1010", "0.5")
    [taker] = engine.trades("a")
    assert (taker.price, taker.quantity, taker.maker) == (D(1000), D("0.3"), False)
    assert taker.fee == FEES.fee(D(300), maker=False) == D("0.27")
    # the rest rests at 1010 and fills as maker on the next crossing step
    [maker] = engine.set_market("BTCTRY", row(2, "990", "1005", ask_qty="1"))
    assert (maker.order_id, maker.price, maker.quantity, maker.maker) == (order_id, D(1010), D("0.2"), True)
    assert maker.fee == D("0.10100000")


def test_buy_then_sell_balances_are_exact_with_fee_and_tax_in_quote() -> None:
    engine = make_engine(try_balance="1000.123456789", btc_balance="0")
    buy(engine, "1234", "0.12345678")
    [fill] = engine.set_market("BTCTRY", row(2, "1200", "1230"))
    notional = exact_product(D(1234), D("0.12345678"))
    fee = FEES.fee(notional, maker=True)
    tax = FEES.tax(fee)
    assert (fill.fee, fill.tax, fill.fee_asset) == (fee, tax, "TRY")
    balances = engine.balances("a")
    assert balances["TRY"].total == D("1000.123456789") - notional - fee - tax
    assert balances["BTC"].total == D("0.12345678")
    assert balances["TRY"].locked == 0
    sell(engine, "1300", "0.12345678")
    assert engine.balances("a")["BTC"].free == 0
    [sold] = engine.set_market("BTCTRY", row(3, "1300", "1310"))
    proceeds = exact_product(D(1300), D("0.12345678"))
    after = engine.balances("a")
    expected_try = balances["TRY"].total + proceeds - sold.fee - sold.tax
    assert after["TRY"].total == after["TRY"].free == expected_try
    assert after["BTC"].total == 0


def test_buy_locks_notional_plus_worst_case_taker_fee_and_cancel_releases_it() -> None:
    engine = make_engine()
    order_id = buy(engine, "1000", "0.5")
    balance = engine.balances("a")["TRY"]
    assert balance.locked == D(500) + D("0.45") + D("0.081")
    assert balance.free == balance.total - balance.locked
    canceled = engine.cancel("a", order_id, ts_ms=9)
    assert (canceled.status, canceled.updated_ms) == (OrderStatus.CANCELED, 9)
    balance = engine.balances("a")["TRY"]
    assert (balance.locked, balance.free) == (D(0), D(100000))


def test_partial_fill_consumes_the_lock_and_completion_releases_the_rest() -> None:
    engine = make_engine()
    buy(engine, "1000", "0.5")
    engine.set_market("BTCTRY", row(2, "990", "1000", ask_qty="0.2"))
    middle = engine.balances("a")["TRY"]
    assert middle.free == middle.total - middle.locked
    engine.set_market("BTCTRY", row(3, "990", "1000", ask_qty="1"))
    final = engine.balances("a")["TRY"]
    assert final.locked == 0
    assert final.free == final.total


def test_sell_locks_base_quantity() -> None:
    engine = make_engine(btc_balance="1")
    sell(engine, "2000", "0.4")
    btc = engine.balances("a")["BTC"]
    assert (btc.total, btc.locked, btc.free) == (D(1), D("0.4"), D("0.6"))


@pytest.mark.parametrize(
    ("symbol", "price", "qty", "token", "code"),
    [
        ("ETHTRY", "1000", "0.1", "FAILED_LIMIT_ORDER", 1120),
        ("BTCTRY", "1000.5", "0.1", "FAILED_INVALID_PRICE_SCALE", 1126),
        ("BTCTRY", "1000", "0.123456789", "FAILED_INVALID_QUANTITY_SCALE", 1127),
        ("BTCTRY", "1000", "0.009", "FAILED_MIN_TOTAL_AMOUNT", 1123),
        ("BTCTRY", "10000001", "0.1", "PRICE_MUST_BE_LESS_THAN_MAXPRICE", 1226),
        ("BTCTRY", "999", "0.1", "PRICE_MUST_BE_LESS_THAN_MINPRICE", 1227),
        ("BTCTRY", "1000", "200", "BALANCE_NOT_ENOUGH", 1122),
        ("BTCTRY", "1000", "0", "FAILED_ORDER_PARAMETER", 400),
    ],
)
def test_submit_rejects_like_btcturk(symbol: str, price: str, qty: str, token: str, code: int) -> None:
    engine = make_engine()
    with pytest.raises(EngineReject) as excinfo:
        engine.submit(
            "a", symbol=symbol, side=Side.BUY, price=D(price), quantity=D(qty), client_order_id=None, ts_ms=1
        )
    assert (excinfo.value.token, excinfo.value.code) == (token, code)
    assert engine.orders("a") == []


def test_halted_pair_rejects() -> None:
    engine = MatchingEngine({"BTCTRY": btctry_rules(trading=False)})
    engine.open_account("a", {"TRY": D(10_000)})
    with pytest.raises(EngineReject, match="FAILED_LIMIT_ORDER"):
        buy(engine, "1000", "1")


def test_funds_held_by_open_orders_reject_with_open_orders_token() -> None:
    engine = make_engine(try_balance="1000")
    buy(engine, "1000", "0.6")
    with pytest.raises(EngineReject) as excinfo:
        buy(engine, "1000", "0.6")
    assert (excinfo.value.token, excinfo.value.code) == ("FAILED_ORDER_WITH_OPEN_ORDERS", 1122)


def test_cancel_errors() -> None:
    engine = make_engine()
    with pytest.raises(EngineReject, match="NO_ORDER_MATCHES_YOUR_REQUEST"):
        engine.cancel("a", 12345, ts_ms=1)
    order_id = buy(engine, "1000", "0.1")
    engine.cancel("a", order_id, ts_ms=2)
    with pytest.raises(EngineReject, match="ORDER_COULD_NOT_BE_CANCELED"):
        engine.cancel("a", order_id, ts_ms=3)
    engine.open_account("b", {"TRY": D(1)})
    other = buy(engine, "1000", "0.1", cid="x")
    with pytest.raises(EngineReject, match="NO_ORDER_MATCHES_YOUR_REQUEST"):
        engine.cancel("b", other, ts_ms=4)


def test_queries_and_domain_conversion() -> None:
    engine = make_engine()
    open_id = buy(engine, "1000", "0.1", cid="open", ts=5)
    done_id = buy(engine, "1100", "0.1", cid="done", ts=6)
    engine.set_market("BTCTRY", row(7, "1000", "1050"))
    assert [o.order_id for o in engine.orders("a", open_only=True)] == [open_id]
    assert [o.order_id for o in engine.orders("a", "BTCTRY")] == [open_id, done_id]
    assert engine.orders("a", "ETHTRY") == []
    assert engine.trades("a", since_ms=8) == []
    [trade] = engine.trades("a", since_ms=7)
    fill = trade.to_domain()
    assert (fill.trade_id, fill.exchange_order_id, fill.client_order_id) == ("500", str(done_id), "done")
    exchange_order = engine.orders("a")[0].to_domain()
    assert (exchange_order.exchange_order_id, exchange_order.status, exchange_order.created_ms) == (
        str(open_id),
        OrderStatus.OPEN,
        5,
    )
    assert engine.order("a", 999) is None


def test_set_market_trades_can_be_stamped_with_another_clock() -> None:
    engine = make_engine()
    buy(engine, "1000", "0.1")
    [trade] = engine.set_market("BTCTRY", row(2, "990", "1000"), ts_ms=1_700_000_000_000)
    assert trade.ts_ms == 1_700_000_000_000


def test_trades_since_a_time_are_the_tail_from_that_time_ties_included() -> None:
    engine = make_engine(try_balance="1000000")
    for ts in (10, 20, 20, 30):
        buy(engine, "1005", "0.1", cid=f"c{ts}-{len(engine.trades('a'))}", ts=ts)
        engine.set_market("BTCTRY", row(ts, "999", "1002"))
    every = engine.trades("a")
    assert [t.ts_ms for t in every] == [10, 20, 20, 30]
    for since in (0, 10, 11, 20, 21, 30, 31):
        assert engine.trades("a", since) == [t for t in every if t.ts_ms >= since]
    assert engine.trades("b", 0) == []


def test_trades_stamped_out_of_time_order_are_still_all_found() -> None:
    engine = make_engine(try_balance="1000000")
    for ts in (30, 10):  # a clock that went back: the engine cannot bisect by time any more
        buy(engine, "1005", "0.1", cid=f"c{ts}", ts=ts)
        engine.set_market("BTCTRY", row(ts, "999", "1002"))
    assert [t.ts_ms for t in engine.trades("a", 10)] == [30, 10]
    assert [t.ts_ms for t in engine.trades("a", 20)] == [30]
