from __future__ import annotations

from decimal import Decimal

import pytest
from paper_builders import dataset, row

from bot.domain.orders import OrderStatus, Side, SubmitOrder
from bot.exchange import errors
from bot.exchange.gateway import ExchangeGateway
from bot.exchange.matching import FeeSchedule, MatchingEngine
from bot.exchange.paper import PaperGateway
from bot.exchange.replay import ReplayMarketData
from bot.testing import FakeClock

D = Decimal
ROWS = [
    row(60_000, "100000", "100100", qty="0.05"),
    row(120_000, "99900", "100050", qty="0.05"),
    row(180_000, "99800", "99950", qty="0.05"),
    row(240_000, "99700", "99900", qty="0.05"),
]


def make_gateway(clock: FakeClock) -> PaperGateway:
    data = dataset(ROWS)
    engine = MatchingEngine(data.pairs, FeeSchedule(tax_rate=D("0.18")))
    return PaperGateway(
        ReplayMarketData(data, clock), engine, clock, initial_balances={"TRY": D(20_000), "BTC": D(0)}
    )


def order(price: str, qty: str, side: Side = Side.BUY, cid: str = "cid-1") -> SubmitOrder:
    return SubmitOrder(client_order_id=cid, symbol="BTCTRY", side=side, price=D(price), quantity=D(qty))


def test_buy_fills_only_when_the_ask_crosses_and_debits_cash() -> None:
    clock = FakeClock(60_000)
    gateway = make_gateway(clock)
    ack = gateway.submit_order(order("100000", "0.1"))
    assert (ack.client_order_id, ack.ts_ms) == ("cid-1", 60_000)
    [working] = gateway.open_orders("BTCTRY")
    assert (working.exchange_order_id, working.status) == (ack.exchange_order_id, OrderStatus.OPEN)
    assert gateway.balances()["TRY"].locked > D(10_000)
    clock.set(120_000)  # ask 100050 > 100000: no fill
    assert gateway.user_trades(0) == []
    clock.set(180_000)  # ask 99950 crosses: 0.05 of liquidity fills at our price
    [fill] = gateway.user_trades(0)
    assert (fill.price, fill.quantity, fill.side, fill.fee_asset) == (D(100000), D("0.05"), Side.BUY, "TRY")
    assert fill.fee == D("2.5") and fill.tax == D("0.45")
    assert gateway.user_trades(0) == [fill]  # re-reading the same step adds no liquidity
    clock.set(240_000)
    fills = gateway.user_trades(0)
    assert [f.quantity for f in fills] == [D("0.05"), D("0.05")]
    balances = gateway.balances()
    assert balances["BTC"].total == D("0.1")
    assert balances["TRY"].total == D(20_000) - D(10_000) - 2 * (D("2.5") + D("0.45"))
    assert balances["TRY"].locked == 0
    assert gateway.open_orders() == []
    [done] = gateway.all_orders("BTCTRY")
    assert done.status is OrderStatus.FILLED


def test_crossing_submit_fills_as_taker_at_the_ask() -> None:
    gateway = make_gateway(FakeClock(60_000))
    gateway.submit_order(order("100200", "0.02"))
    [fill] = gateway.user_trades(0)
    assert (fill.price, fill.quantity) == (D(100100), D("0.02"))
    assert fill.fee == D("1.80180000")


def test_rejections_map_to_errors_rejected_with_code_and_token() -> None:
    gateway = make_gateway(FakeClock(60_000))
    with pytest.raises(errors.Rejected) as excinfo:
        gateway.submit_order(order("100000", "0.00001"))
    assert (excinfo.value.code, excinfo.value.token) == (1123, "FAILED_MIN_TOTAL_AMOUNT")
    with pytest.raises(errors.Rejected) as excinfo:
        gateway.submit_order(order("100000", "0.1", side=Side.SELL))
    assert excinfo.value.token == "BALANCE_NOT_ENOUGH"
    with pytest.raises(errors.Rejected, match="NO_ORDER_MATCHES_YOUR_REQUEST"):
        gateway.cancel_order("not-a-number")


def test_cancel_releases_funds_and_all_orders_filters_by_time() -> None:
    clock = FakeClock(60_000)
    gateway = make_gateway(clock)
    ack = gateway.submit_order(order("90000", "0.1"))
    clock.set(120_000)
    gateway.cancel_order(ack.exchange_order_id)
    assert gateway.balances()["TRY"].free == D(20_000)
    [canceled] = gateway.all_orders("BTCTRY", since_ms=60_000)
    assert canceled.status is OrderStatus.CANCELED
    assert gateway.all_orders("BTCTRY", since_ms=60_001) == []
    with pytest.raises(errors.Rejected, match="ORDER_COULD_NOT_BE_CANCELED"):
        gateway.cancel_order(ack.exchange_order_id)


def test_market_reads_before_data_are_transient_but_account_reads_work() -> None:
    clock = FakeClock(1)
    gateway = make_gateway(clock)
    with pytest.raises(errors.Transient):
        gateway.ticker("BTCTRY")
    assert gateway.balances()["TRY"].total == D(20_000)
    assert gateway.server_time_ms() == 1
    clock.set(60_000)
    assert gateway.ticker("BTCTRY").ask == D(100100)
    assert gateway.order_book("BTCTRY", 2).asks[1].price == D(100110)
    assert "BTCTRY" in gateway.pair_rules()
    gateway.close()


def test_account_must_exist() -> None:
    data = dataset(ROWS)
    clock = FakeClock(0)
    with pytest.raises(ValueError, match="not open"):
        PaperGateway(ReplayMarketData(data, clock), MatchingEngine(data.pairs), clock)


def test_paper_gateway_is_an_exchange_gateway() -> None:
    gateway: ExchangeGateway = make_gateway(FakeClock(0))
    assert gateway.server_time_ms() == 0
