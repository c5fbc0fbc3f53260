import json
import random
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path

import httpx
import pytest

from bot.domain.orders import Side, SubmitOrder
from bot.exchange.btcturk import BtcturkClient, Credentials, RetryPolicy, sign
from bot.exchange.btcturk.engine import CallPolicy
from bot.exchange.errors import AuthError, Rejected, Transient, UncertainOutcome
from bot.testing import FakeClock

FIXTURES = Path(__file__).parent / "fixtures"
API_KEY = "00000000-0000-0000-0000-000000000000"
SECRET = "c2ltdWxhdG9yLXRlc3Qtc2VjcmV0LTMyLWJ5dGVzISE="
ORDER = SubmitOrder(
    client_order_id="cid-1",
    symbol="BTCTRY",
    side=Side.BUY,
    price=Decimal("20000.00"),
    quantity=Decimal("0.0010"),
)

Handler = Callable[[httpx.Request], httpx.Response]


class Recorder:
    def __init__(self, handler: Handler) -> None:
        self.handler = handler
        self.seen: list[httpx.Request] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.seen.append(request)
        return self.handler(request)


def fixture(name: str, status: int = 200) -> httpx.Response:
    return httpx.Response(status, content=(FIXTURES / name).read_bytes())


def make_client(
    handler: Handler, clock: FakeClock | None = None, *, keys: bool = True, attempts: int = 4
) -> tuple[BtcturkClient, Recorder, FakeClock]:
    recorder = Recorder(handler)
    clock = clock or FakeClock()
    client = BtcturkClient(
        base_url="http://exchange.test",
        credentials=Credentials(API_KEY, SECRET) if keys else None,
        transport=httpx.MockTransport(recorder),
        now_ms=clock.now_ms,
        sleep=clock.sleep,
        policy=CallPolicy(
            rng=random.Random(42),
            retry=RetryPolicy(max_attempts=attempts, base_delay_s=0.5, max_delay_s=2.0, total_budget_s=30.0),
        ),
    )
    return client, recorder, clock


def test_ticker_round_trip() -> None:
    client, recorder, _ = make_client(lambda r: fixture("ticker.json"))
    assert client.ticker("BTCTRY").last == Decimal(462485)
    assert str(recorder.seen[0].url) == "http://exchange.test/api/v2/ticker?pairSymbol=BTCTRY"
    assert "X-Signature" not in recorder.seen[0].headers


def test_private_call_is_signed_with_a_fresh_stamp() -> None:
    client, recorder, clock = make_client(lambda r: fixture("balances.json"))
    assert client.balances()["BTC"].free == Decimal("29.6017353000000000")
    headers = recorder.seen[0].headers
    assert headers["X-PCK"] == API_KEY
    assert headers["X-Stamp"] == str(clock.now_ms())
    assert headers["X-Signature"] == sign(API_KEY, SECRET, clock.now_ms())


def test_private_call_without_keys_raises_auth_error_and_sends_nothing() -> None:
    client, recorder, _ = make_client(lambda r: fixture("balances.json"), keys=False)
    with pytest.raises(AuthError, match="keys are missing"):
        client.balances()
    assert recorder.seen == []


def test_read_retry_honours_retry_after_then_succeeds() -> None:
    answers = iter([429, 429, 200])

    def handler(request: httpx.Request) -> httpx.Response:
        status = next(answers)
        if status == 429:
            return httpx.Response(
                429, headers={"Retry-After": "3"}, content=b'{"message":"TOO_MANY_REQUESTS"}'
            )
        return fixture("ticker.json")

    client, recorder, clock = make_client(handler)
    assert client.ticker("BTCTRY").bid == Decimal(461928)
    assert len(recorder.seen) == 3
    assert len(clock.sleeps) == 2
    assert all(delay >= 3.0 for delay in clock.sleeps)


def test_read_retry_stops_at_max_attempts_and_reraises() -> None:
    client, recorder, clock = make_client(lambda r: httpx.Response(503, content=b"maintenance"), attempts=3)
    with pytest.raises(Transient, match="HTTP 503"):
        client.open_orders("BTCTRY")
    assert len(recorder.seen) == 3
    assert len(clock.sleeps) == 2


def test_retry_after_beyond_the_budget_reraises_without_sleeping() -> None:
    client, recorder, clock = make_client(lambda r: httpx.Response(429, headers={"Retry-After": "120"}))
    with pytest.raises(Transient):
        client.ticker("BTCTRY")
    assert (len(recorder.seen), clock.sleeps) == (1, [])


def test_submit_sends_client_id_and_decimal_strings() -> None:
    client, recorder, _ = make_client(lambda r: fixture("submit.json"))
    ack = client.submit_order(ORDER)
    assert ack.exchange_order_id == "9932534"
    sent = recorder.seen[0]
    assert (sent.method, sent.url.path) == ("POST", "/api/v1/order")
    assert sent.headers["Content-Type"] == "application/json"
    body = json.loads(sent.content)
    assert body["newOrderClientId"] == "cid-1"
    assert (body["price"], body["quantity"]) == ("20000", "0.001")


def test_submit_read_timeout_is_uncertain_and_sent_exactly_once() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        raise httpx.ReadTimeout("timed out", request=request)

    client, recorder, clock = make_client(handler)
    with pytest.raises(UncertainOutcome):
        client.submit_order(ORDER)
    assert [r.method for r in recorder.seen] == ["POST"]
    assert clock.sleeps == []


@pytest.mark.parametrize(
    "answer", [httpx.Response(503, content=b"busy"), httpx.Response(200, content=b"{oops")]
)
def test_submit_5xx_or_unreadable_answer_is_uncertain_and_not_retried(answer: httpx.Response) -> None:
    client, recorder, _ = make_client(lambda r: answer)
    with pytest.raises(UncertainOutcome):
        client.submit_order(ORDER)
    assert len(recorder.seen) == 1


def test_submit_connect_error_is_transient_not_uncertain_and_not_retried() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("connection refused", request=request)

    client, recorder, _ = make_client(handler)
    with pytest.raises(Transient) as info:
        client.submit_order(ORDER)
    assert not isinstance(info.value, UncertainOutcome)
    assert len(recorder.seen) == 1


def test_submit_rejection_is_rejected() -> None:
    client, _, _ = make_client(lambda r: fixture("error_min_total.json", 400))
    with pytest.raises(Rejected) as info:
        client.submit_order(ORDER)
    assert info.value.token == "FAILED_MIN_TOTAL_AMOUNT"


def test_cancel_sends_id_in_query_and_transport_error_is_uncertain() -> None:
    client, recorder, _ = make_client(lambda r: fixture("cancel.json"))
    client.cancel_order("16060237")
    assert (recorder.seen[0].method, recorder.seen[0].url.params["id"]) == ("DELETE", "16060237")

    def broken(request: httpx.Request) -> httpx.Response:
        raise httpx.ReadError("reset", request=request)

    client, recorder, _ = make_client(broken)
    with pytest.raises(UncertainOutcome):
        client.cancel_order("16060237")
    assert len(recorder.seen) == 1


def order_row(order_id: int) -> dict[str, object]:
    return {
        "id": order_id,
        "price": "100",
        "amount": "1",
        "quantity": "1",
        "pairSymbol": "BTCTRY",
        "type": "buy",
        "method": "limit",
        "orderClientId": f"c{order_id}",
        "time": 1000 + order_id,
        "updateTime": 1000 + order_id,
        "status": "Closed",
        "leftAmount": "0",
    }


def envelope(data: object) -> httpx.Response:
    return httpx.Response(200, json={"success": True, "message": None, "code": 0, "data": data})


def test_all_orders_pages_until_a_short_page() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        page = int(request.url.params["page"])
        ids = range(1, 1001) if page == 1 else range(1001, 1004)
        return envelope([order_row(i) for i in ids])

    client, recorder, _ = make_client(handler)
    orders = client.all_orders("BTCTRY", since_ms=5)
    assert len(orders) == 1003
    assert orders[-1].exchange_order_id == "1003"  # newest last
    assert [r.url.params["page"] for r in recorder.seen] == ["1", "2"]
    assert recorder.seen[0].url.params["startTime"] == "5"


def test_all_orders_stops_when_the_server_ignores_page() -> None:
    client, recorder, _ = make_client(lambda r: envelope([order_row(i) for i in range(1, 1001)]))
    assert len(client.all_orders("BTCTRY")) == 1000
    assert len(recorder.seen) == 2


def trade_row(trade_id: int, ts_ms: int) -> dict[str, object]:
    return {
        "price": "100",
        "numeratorSymbol": "BTC",
        "denominatorSymbol": "TRY",
        "orderType": "buy",
        "orderId": 1,
        "id": trade_id,
        "timestamp": ts_ms,
        "amount": "1",
        "fee": "-0.1",
        "tax": "-0.018",
    }


def test_user_trades_reads_every_window_of_a_truncating_server() -> None:
    trades = [trade_row(i, 10_000 + i) for i in range(1500)]

    def handler(request: httpx.Request) -> httpx.Response:
        start, end = int(request.url.params["startDate"]), int(request.url.params["endDate"])
        window = [t for t in trades if start <= int(str(t["timestamp"])) <= end]
        return envelope(list(reversed(window))[:1000])  # newest first, capped

    client, _, _ = make_client(handler)
    fills = client.user_trades(since_ms=10_000)
    assert [f.trade_id for f in fills] == [str(i) for i in range(1500)]


def test_sync_clock_sets_the_stamp_offset() -> None:
    clock = FakeClock(now_ms=1613313462021 + 4000)
    client, _, _ = make_client(lambda r: fixture("server_time.json"), clock)
    assert client.sync_clock() == -4000
    assert client.stamps.next() == 1613313462021
    client.close()
