"""The simulator over real HTTP on loopback, signed by a hand-rolled signer (independent of the client)."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
from collections.abc import Iterator
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import httpx
import pytest
from sim_builders import dataset, row

from bot.sim import SimConfig, running_simulator
from bot.testing import FakeClock

D = Decimal
KEY = "00000000-0000-0000-0000-000000000000"
SECRET = "c2ltdWxhdG9yLXRlc3Qtc2VjcmV0LTMyLWJ5dGVzISE="
WALL_START = 1_700_000_000_000
DATA_START = 1_650_000_000_000
TICKER_TEXT = {"pair", "pairNormalized", "denominatorSymbol", "numeratorSymbol"}
ROWS = [
    row(DATA_START, "100000", "100100", bid_qty="0.05", ask_qty="0.05"),
    row(DATA_START + 60_000, "99900", "100050", bid_qty="0.05", ask_qty="0.05"),
    row(DATA_START + 120_000, "99800", "99950", bid_qty="0.05", ask_qty="0.05"),
    row(DATA_START + 180_000, "100300", "100400", bid_qty="0.05", ask_qty="0.05"),
]


@dataclass
class Sim:
    http: httpx.Client
    clock: FakeClock

    def headers(self, *, secret: str = SECRET, stamp: int | None = None, key: str = KEY) -> dict[str, str]:
        stamp_text = str(self.clock.now_ms() if stamp is None else stamp)
        digest = hmac.new(base64.b64decode(secret), (key + stamp_text).encode(), hashlib.sha256).digest()
        return {"X-PCK": key, "X-Stamp": stamp_text, "X-Signature": base64.b64encode(digest).decode()}

    def get(self, path: str, **params: Any) -> httpx.Response:
        return self.http.get(path, params=params, headers=self.headers())

    def submit(self, **body: Any) -> httpx.Response:
        order = {"pairSymbol": "BTCTRY", "orderType": "buy", "orderMethod": "limit"} | body
        return self.http.post("/api/v1/order", json=order, headers=self.headers())


def body(response: httpx.Response) -> Any:
    return json.loads(response.text, parse_float=Decimal)


@pytest.fixture
def sim() -> Iterator[Sim]:
    config = SimConfig.model_validate(
        {
            "accounts": [{"api_key": KEY, "api_secret": SECRET, "balances": {"TRY": "50000", "BTC": "1"}}],
            "fees": {"maker_rate": "0.0005", "taker_rate": "0.0009", "tax_rate": "0.18"},
            "speed": 60,
            "seed": 7,
        }
    )
    clock = FakeClock(WALL_START)
    with running_simulator(config, dataset(ROWS), clock=clock) as url, httpx.Client(base_url=url) as http:
        yield Sim(http, clock)


def test_server_time_is_bare_and_enveloped(sim: Sim) -> None:
    payload = body(sim.http.get("/api/v2/server/time"))
    assert payload["serverTime"] == WALL_START == payload["data"]["serverTime"]
    assert payload["serverTime2"] == "2023-11-14T22:13:20.0000000+00:00"


def test_public_market_data_types_and_wall_timestamps(sim: Sim) -> None:
    sim.clock.set(WALL_START + 1500)  # 90 s of data: row 1 is current, it became current at +1000
    [ticker] = body(sim.http.get("/api/v2/ticker", params={"pairSymbol": "BTC_TRY"}))["data"]
    assert (ticker["pair"], ticker["pairNormalized"], ticker["timestamp"]) == (
        "BTCTRY",
        "BTC_TRY",
        WALL_START + 1000,
    )
    assert ticker["bid"] == D(99900) and ticker["volume"] == D(4)
    assert not any(isinstance(value, str) for key, value in ticker.items() if key not in TICKER_TEXT)
    book = body(sim.http.get("/api/V2/orderBook", params={"pairSymbol": "BTCTRY", "limit": 2}))["data"]
    assert book["timestamp"] == WALL_START + 1000
    assert book["asks"] == [["100050", "0.05"], ["100051", "0.1"]]
    assert all(isinstance(value, str) for level in book["bids"] + book["asks"] for value in level)
    info = body(sim.http.get("/api/v2/server/exchangeInfo"))["data"]
    [symbol] = info["symbols"]
    assert symbol["name"] == "BTCTRY" and symbol["numeratorScale"] == 8
    assert symbol["filters"][0]["minExchangeValue"] == "10"
    trades = body(sim.http.get("/api/v2/trades", params={"pairSymbol": "BTCTRY"}))["data"]
    assert [t["date"] for t in trades] == [WALL_START + 1000, WALL_START]
    assert isinstance(trades[0]["tid"], str)


def test_bad_signature_and_stale_stamp_are_401(sim: Sim) -> None:
    wrong = base64.b64encode(b"another-secret-of-32-bytes-long!").decode()
    response = sim.http.get("/api/v1/users/balances", headers=sim.headers(secret=wrong))
    assert response.status_code == 401
    assert body(response)["message"] == "Unauthorized - Invalid Signature"
    response = sim.http.get("/api/v1/users/balances", headers=sim.headers(stamp=WALL_START - 5001))
    assert (response.status_code, body(response)["message"]) == (401, "Unauthorized - Invalid Nonce")
    response = sim.http.get("/api/v1/users/balances", headers=sim.headers(stamp=WALL_START + 5000))
    assert response.status_code == 200
    response = sim.http.get("/api/v1/users/balances", headers=sim.headers(key="nobody"))
    assert response.status_code == 401


def test_submit_then_open_orders_with_client_id(sim: Sim) -> None:
    response = sim.submit(quantity="0.1", price="99000", newOrderClientId="cid-1")
    assert response.status_code == 200, response.text
    ack = body(response)
    assert (ack["success"], ack["code"]) == (True, 0)
    assert ack["data"]["newOrderClientId"] == "cid-1" and isinstance(ack["data"]["id"], int)
    assert ack["data"]["quantity"] == "0.1" and ack["data"]["datetime"] == WALL_START
    data = body(sim.get("/api/v1/openOrders", pairSymbol="BTCTRY"))["data"]
    [bid] = data["bids"]
    assert data["asks"] == []
    assert (bid["id"], bid["orderClientId"], bid["status"], bid["leftAmount"]) == (
        ack["data"]["id"],
        "cid-1",
        "Untouched",
        "0.1",
    )
    assert (bid["price"], bid["time"], bid["updateTime"]) == ("99000", WALL_START, WALL_START)
    single = body(sim.get(f"/api/v1/order/{bid['id']}"))["data"]
    assert single == bid
    [balance_try] = [b for b in body(sim.get("/api/v1/users/balances"))["data"] if b["asset"] == "TRY"]
    assert balance_try["locked"] == "9910.5138" and balance_try["free"] == "40089.4862"
    assert isinstance(balance_try["precision"], int)


def test_submit_accepts_form_query_numbers_and_alias(sim: Sim) -> None:
    form = sim.http.post(
        "/api/v1/order",
        content=b"pairSymbol=BTC_TRY&orderType=sell&orderMethod=limit&quantity=0.1&price=200000",
        headers=sim.headers() | {"Content-Type": "application/x-www-form-urlencoded"},
    )
    assert form.status_code == 200, form.text
    numbers = sim.http.post(
        "/api/v1/order",
        content=b'{"pairSymbol":"BTCTRY","orderType":"buy","orderMethod":"limit",'
        b'"quantity":0.00012345,"price":95000,"newClientOrderId":"alias-1"}',
        headers=sim.headers() | {"Content-Type": "application/json"},
    )
    assert body(numbers)["data"]["quantity"] == "0.00012345"
    assert body(numbers)["data"]["newOrderClientId"] == "alias-1"
    query_wins = sim.http.post(
        "/api/v1/order",
        params={"price": "96000"},
        json={
            "pairSymbol": "BTCTRY",
            "orderType": "buy",
            "orderMethod": "limit",
            "quantity": "0.01",
            "price": "1",
        },
        headers=sim.headers(),
    )
    assert body(query_wins)["data"]["price"] == "96000"
    generated = body(query_wins)["data"]["newOrderClientId"]
    assert len(generated) == 36


def test_rejections_are_400_with_token_and_code(sim: Sim) -> None:
    response = sim.submit(quantity="0.00001", price="99000")
    assert response.status_code == 400
    assert body(response) == {"success": False, "message": "FAILED_MIN_TOTAL_AMOUNT", "code": 1123}
    assert body(sim.submit(quantity="0.1", price="99000.5"))["code"] == 1126
    assert body(sim.submit(quantity="0.1", price="99000", orderMethod="market"))["code"] == 1118
    assert body(sim.submit(quantity="1", price="99000"))["message"] == "BALANCE_NOT_ENOUGH"
    missing = sim.get("/api/v1/order/123")
    assert (missing.status_code, body(missing)) == (
        400,
        {"success": False, "message": "Order not found", "code": 1152},
    )


def test_fills_appear_in_user_trades_with_wire_types_and_wall_times(sim: Sim) -> None:
    buy_id = body(sim.submit(quantity="0.08", price="100000", newOrderClientId="buy-1"))["data"]["id"]
    sell = sim.submit(orderType="sell", quantity="0.05", price="100200", newOrderClientId="sell-1")
    sell_id = body(sell)["data"]["id"]
    sim.clock.set(
        WALL_START + 3000
    )  # rows 1..3 replayed in order: row 2 fills 0.05 of the buy, row 3 the sell
    response = sim.get("/api/v1/users/transactions/trade", startDate=WALL_START)
    trades = body(response)["data"]
    assert [(t["orderId"], t["orderType"], t["amount"], t["timestamp"]) for t in trades] == [
        (buy_id, "buy", "0.05", WALL_START + 2000),
        (sell_id, "sell", "-0.05", WALL_START + 3000),
    ]
    buy_trade = trades[0]
    assert (buy_trade["price"], buy_trade["fee"], buy_trade["tax"]) == ("100000", "-2.5", "-0.45")
    assert buy_trade["orderClientId"] == "buy-1" and buy_trade["numeratorSymbol"] == "BTC"
    assert all(isinstance(t[k], str) for t in trades for k in ("price", "amount", "fee", "tax"))
    assert all(isinstance(t[k], int) for t in trades for k in ("id", "orderId", "timestamp"))
    assert '"amount":"-0.05"' in response.text
    [partial] = body(sim.get("/api/v1/openOrders"))["data"]["bids"]
    assert (partial["status"], partial["leftAmount"]) == ("Partial", "0.03")
    only_sells = body(sim.http.get("/api/v1/users/transactions/trade?type=sell", headers=sim.headers()))[
        "data"
    ]
    assert [t["orderId"] for t in only_sells] == [sell_id]


def test_cancel_then_state_matches_the_ledger(sim: Sim) -> None:
    order_id = body(sim.submit(quantity="0.1", price="90000"))["data"]["id"]
    response = sim.http.delete("/api/v1/order", params={"id": order_id}, headers=sim.headers())
    assert body(response) == {"success": True, "message": "SUCCESS", "code": 0, "data": None}
    assert body(sim.get(f"/api/v1/order/{order_id}"))["data"]["status"] == "Canceled"
    again = sim.http.request("DELETE", "/api/v1/order", json={"id": order_id}, headers=sim.headers())
    assert (again.status_code, body(again)["message"]) == (400, "ORDER_COULD_NOT_BE_CANCELED")
    missing = sim.http.delete("/api/v1/order", headers=sim.headers())
    assert missing.status_code == 400
    state = body(sim.http.get("/_sim/state"))
    account = state["accounts"][KEY]
    assert account["balances"]["TRY"] == {"total": "50000", "free": "50000", "locked": "0"}
    assert [(o["id"], o["status"]) for o in account["orders"]] == [(order_id, "canceled")]
    assert state["market_ms"] == DATA_START
    [listed] = body(sim.get("/api/v1/allOrders", pairSymbol="BTCTRY", startTime=WALL_START))["data"]
    assert listed["status"] == "Canceled"
    assert body(sim.get("/api/v1/allOrders", pairSymbol="BTCTRY", startTime=WALL_START + 1))["data"] == []


def test_market_clock_freezes_at_the_end_of_the_dataset(sim: Sim) -> None:
    sim.clock.set(WALL_START + 3_600_000)
    [ticker] = body(sim.http.get("/api/v2/ticker"))["data"]
    assert ticker["timestamp"] == WALL_START + 3000
    assert body(sim.http.get("/_sim/state"))["market_ms"] == DATA_START + 180_000


def test_unknown_route_is_a_json_404(sim: Sim) -> None:
    response = sim.http.get("/api/v2/nothing")
    assert response.status_code == 404
    assert body(response)["success"] is False
