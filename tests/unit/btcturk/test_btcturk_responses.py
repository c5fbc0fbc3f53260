import json
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from bot.domain.orders import OrderStatus, Side
from bot.exchange.btcturk import responses
from bot.exchange.errors import MalformedPayload, Rejected

FIXTURES = Path(__file__).parent / "fixtures"


def body(name: str) -> bytes:
    return (FIXTURES / name).read_bytes()


def edited(name: str, edit: Any) -> bytes:
    payload = json.loads(body(name), parse_float=Decimal)
    edit(payload)
    return json.dumps(payload, default=str).encode()


def test_server_time_bare_and_enveloped() -> None:
    endpoint = "GET /api/v2/server/time"
    assert responses.parse_server_time(200, {}, body("server_time.json"), endpoint) == 1613313462021
    assert responses.parse_server_time(200, {}, body("server_time_enveloped.json"), endpoint) == 1613313462021


def test_exchange_info_to_pair_rules() -> None:
    rules = responses.parse_exchange_info(
        200, {}, body("exchangeinfo.json"), "GET /api/v2/server/exchangeinfo"
    )
    btctry = rules["BTCTRY"]
    assert (btctry.base, btctry.quote) == ("BTC", "TRY")
    assert btctry.quantity_scale == 8
    assert btctry.price_scale == 0  # hasFraction false
    assert btctry.tick_size == Decimal("10")
    assert btctry.min_notional == Decimal("99.91")
    assert btctry.min_price == Decimal("58950")
    assert btctry.max_price == Decimal("5895000")
    assert btctry.trading is True


def test_exchange_info_variants_string_scales_fraction_filter_band_min_amount_halt() -> None:
    def edit(payload: dict[str, Any]) -> None:
        row = payload["data"]["symbols"][0]
        row.update(numeratorScale="8", denominatorScale="2", hasFraction=True, status="HALT")
        del row["maximumLimitOrderPrice"]
        row["minimumLimitOrderPrice"] = None
        row["filters"][0]["minAmount"] = "150"

    rules = responses.parse_exchange_info(200, {}, edited("exchangeinfo.json", edit), "e")["BTCTRY"]
    assert (rules.quantity_scale, rules.price_scale) == (8, 2)
    assert rules.min_price == Decimal("0.0000000000001")
    assert rules.max_price == Decimal("10000000")
    assert rules.min_notional == Decimal("150")
    assert rules.trading is False


def test_exchange_info_without_price_filter_names_the_field() -> None:
    def edit(payload: dict[str, Any]) -> None:
        payload["data"]["symbols"][0]["filters"] = []

    with pytest.raises(MalformedPayload, match=r"data\.symbols\[0\]\.filters"):
        responses.parse_exchange_info(
            200, {}, edited("exchangeinfo.json", edit), "GET /api/v2/server/exchangeinfo"
        )


def test_ticker_numbers_become_exact_decimals() -> None:
    ticker = responses.parse_ticker(200, {}, body("ticker.json"), "GET /api/v2/ticker", symbol="BTC_TRY")
    assert ticker.symbol == "BTCTRY"
    assert (ticker.bid, ticker.ask, ticker.last) == (Decimal(461928), Decimal(462485), Decimal(462485))
    assert ticker.volume == Decimal("917.41368645")
    assert ticker.ts_ms == 1618826361234


def test_malformed_ticker_names_endpoint_and_field() -> None:
    def edit(payload: dict[str, Any]) -> None:
        payload["data"][0]["bid"] = "not-a-price"

    with pytest.raises(MalformedPayload) as info:
        responses.parse_ticker(200, {}, edited("ticker.json", edit), "GET /api/v2/ticker", symbol="BTCTRY")
    assert str(info.value).startswith("GET /api/v2/ticker: ")
    assert "field 'data[0].bid'" in str(info.value)
    assert info.value.field == "data[0].bid"


def test_non_json_body_is_malformed() -> None:
    with pytest.raises(MalformedPayload, match="<body>"):
        responses.parse_ticker(200, {}, b"<html>gateway</html>", "GET /api/v2/ticker", symbol="BTCTRY")


def test_order_book_levels() -> None:
    book = responses.parse_order_book(200, {}, body("orderbook.json"), "e", symbol="BTCTRY")
    assert book.bids[0].price == Decimal("33245.00")
    assert book.bids[0].quantity == Decimal("2.10695265")
    assert book.asks[1].quantity == Decimal("1.00000000")
    assert book.ts_ms == 1543836448605


def test_order_book_timestamp_serialized_as_float() -> None:
    raw = body("orderbook.json").replace(b"1543836448605", b"1543836448605.0")
    assert responses.parse_order_book(200, {}, raw, "e", symbol="BTCTRY").ts_ms == 1543836448605


def test_balances_with_and_without_timestamp() -> None:
    balances = responses.parse_balances(200, {}, body("balances.json"), "GET /api/v1/users/balances")
    assert balances["TRY"].free == Decimal("102135.3712490135968651")
    assert balances["TRY"].locked == Decimal("1023.5699999896000000")
    assert balances["BTC"].total == Decimal("29.6027353000000000")


def test_open_orders_both_sides_time_zero_uses_update_time() -> None:
    orders = responses.parse_open_orders(200, {}, body("open_orders.json"), "GET /api/v1/openOrders")
    ask, bid = orders
    assert (ask.side, ask.status, ask.exchange_order_id) == (
        Side.SELL,
        OrderStatus.PARTIALLY_FILLED,
        "16060237",
    )
    assert ask.remaining_quantity == Decimal("0.0412345")
    assert ask.created_ms == 1591286411913
    assert (bid.side, bid.status) == (Side.BUY, OrderStatus.OPEN)
    assert bid.client_order_id == "da593000-6eb3-4a1c-ba26-c616122a0210"


def test_all_orders_variants_casing_string_id_old_keys() -> None:
    orders = responses.parse_orders(200, {}, body("all_orders.json"), "GET /api/v1/allOrders")
    untouched, closed, canceled = orders
    assert untouched.status is OrderStatus.OPEN
    assert (closed.exchange_order_id, closed.side, closed.status) == ("9932534", Side.BUY, OrderStatus.FILLED)
    assert closed.symbol == "BTCTRY"  # from the 2019 lowercase `pairsymbol`
    assert closed.remaining_quantity == 0  # no leftAmount in the old sample
    assert (canceled.status, canceled.client_order_id, canceled.symbol) == (
        OrderStatus.CANCELED,
        None,
        "BTCTRY",
    )
    assert canceled.updated_ms == 1543996119999


def test_unknown_order_status_names_the_field() -> None:
    raw = body("all_orders.json").replace(b'"Canceled"', b'"Exploded"')
    with pytest.raises(MalformedPayload, match=r"data\[2\]\.status"):
        responses.parse_orders(200, {}, raw, "GET /api/v1/allOrders")


@pytest.mark.parametrize(
    ("fixture", "order_id", "client_id"),
    [("submit.json", "9932534", "test"), ("submit_ccxt.json", "2606935102", "cid-1")],
)
def test_submit_ack_variants(fixture: str, order_id: str, client_id: str) -> None:
    ack = responses.parse_submit(200, {}, body(fixture), "POST /api/v1/order")
    assert (ack.exchange_order_id, ack.client_order_id) == (order_id, client_id)
    assert ack.ts_ms > 0


def test_submit_rejection_is_rejected_with_code_and_token() -> None:
    with pytest.raises(Rejected) as info:
        responses.parse_submit(400, {}, body("error_min_total.json"), "POST /api/v1/order")
    assert (info.value.code, info.value.token) == (1123, "FAILED_MIN_TOTAL_AMOUNT")


@pytest.mark.parametrize("fixture", ["cancel.json", "cancel_2019.json"])
def test_cancel_success_variants(fixture: str) -> None:
    responses.parse_cancel(200, {}, body(fixture), "DELETE /api/v1/order")  # no exception: accepted


def test_user_trade_sell_signs_become_magnitudes() -> None:
    (fill,) = responses.parse_user_trades(200, {}, body("user_trades.json"), "e")
    assert (fill.trade_id, fill.exchange_order_id, fill.symbol) == ("5758565", "22632304", "BTCTRY")
    assert fill.side is Side.SELL
    assert fill.quantity == Decimal("0.00040000")
    assert (fill.fee, fill.tax, fill.fee_asset) == (Decimal("0.19098258"), Decimal("0.03437687"), "TRY")
    assert fill.client_order_id is None
    assert fill.ts_ms == 1628690323897


def test_user_trade_newer_variant_precise_amount_big_ids_client_id() -> None:
    (fill,) = responses.parse_user_trades(200, {}, body("user_trades_newer.json"), "e")
    assert fill.trade_id == "1181163798924649598"  # 64-bit id survives exactly
    assert fill.side is Side.BUY
    assert fill.quantity == Decimal("0.000400000000")
    assert fill.client_order_id == "my-id-1"


@pytest.mark.parametrize(("field", "value"), [("amount", "0"), ("price", "0"), ("price", "-1")])
def test_a_trade_row_that_could_not_have_happened_is_refused_at_the_codec(field: str, value: str) -> None:
    def edit(payload: dict[str, Any]) -> None:
        payload["data"][0][field] = value

    with pytest.raises(MalformedPayload, match=rf"field 'data\[0\]\.{field}'"):
        responses.parse_user_trades(200, {}, edited("user_trades.json", edit), "GET trades")
