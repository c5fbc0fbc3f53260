import json
from decimal import Decimal

from bot.domain.orders import Side, SubmitOrder
from bot.exchange.btcturk import requests


def test_public_reads_are_unsigned_and_idempotent() -> None:
    for request in (requests.server_time(), requests.exchange_info(), requests.ticker("BTCTRY")):
        assert request.method == "GET" and not request.signed and request.idempotent
    assert requests.ticker("BTCTRY").params == (("pairSymbol", "BTCTRY"),)
    assert requests.order_book("BTCTRY", 50).params == (("pairSymbol", "BTCTRY"), ("limit", "50"))
    assert requests.exchange_info().endpoint == "GET /api/v2/server/exchangeinfo"


def test_private_reads_are_signed() -> None:
    assert requests.balances().signed
    assert requests.open_orders().params == ()
    assert requests.open_orders("BTCTRY").params == (("pairSymbol", "BTCTRY"),)
    orders = requests.all_orders("BTCTRY", 1700000000000, page=2)
    assert dict(orders.params) == {
        "pairSymbol": "BTCTRY",
        "startTime": "1700000000000",
        "page": "2",
        "limit": "1000",
    }
    trades = requests.user_trades(1, 2)
    assert trades.path == "/api/v1/users/transactions/trade"
    assert dict(trades.params) == {"startDate": "1", "endDate": "2"}


def test_submit_body_has_client_id_and_decimal_strings() -> None:
    order = SubmitOrder(
        client_order_id="cid-7",
        symbol="BTCTRY",
        side=Side.BUY,
        price=Decimal("462480.00"),
        quantity=Decimal("1E-8"),
    )
    request = requests.submit_order(order)
    assert (request.method, request.path, request.signed, request.idempotent) == (
        "POST",
        "/api/v1/order",
        True,
        False,
    )
    body = json.loads(request.body_bytes() or b"")
    assert body == {
        "pairSymbol": "BTCTRY",
        "orderType": "buy",
        "orderMethod": "limit",
        "price": "462480",
        "quantity": "0.00000001",
        "newOrderClientId": "cid-7",
    }


def test_cancel_takes_id_in_query_and_is_not_idempotent() -> None:
    request = requests.cancel_order("16060237")
    assert (request.method, request.params, request.json_body) == ("DELETE", (("id", "16060237"),), None)
    assert not request.idempotent and request.signed
