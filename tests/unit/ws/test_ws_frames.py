"""The WebSocket frame codec against the example frames of protocol §11."""

from __future__ import annotations

import json
from decimal import Decimal

import pytest
from ws_harness import KEY, SECRET

from bot.domain.market import BookLevel
from bot.domain.orders import Side
from bot.exchange.btcturk.auth import Credentials
from bot.exchange.btcturk.ws import FrameDecoder, MalformedFrame, decode_frame, encode_login, encode_subscribe
from bot.exchange.btcturk.ws.events import (
    BookDiffReceived,
    BookSnapshotReceived,
    LevelChange,
    LoginResult,
    OrderDeleted,
    OrderInserted,
    OrderMatched,
    SubscriptionResult,
    TickerUpdated,
    TradeHappened,
    TradesListed,
    UserTradeReported,
    Welcome,
)

D = Decimal
TICKER_2025 = (
    '[402, {"B":"34.706","A":"34.738","BA":"190.3053","AA":"1481.3956","PS":"ADATRY",'
    '"H":"36.7","L":"34.555","LA":"34.76","O":"34.911","V":"473088.27239993",'
    '"AV":"35.701201400000","D":"-0.173","DP":"-0.43","DS":"TRY","NS":"ADA","PId":57,'
    '"channel":"ticker","event":"ADATRY","type":402}]'
)
TRADES_2022 = (
    '[421, {"symbol":"BTCTRY","items":['
    '{"D":"1651204111661","I":"100163785789620803","A":"0.0072834700","P":"586484.0000000000","S":0},'
    '{"D":"1651202811844","I":"100163785789620737","A":"0.0004123600","P":"585778.0000000000","S":1}],'
    '"channel":"trade","event":"BTCTRY","type":421}]'
)
TRADE_2022 = (
    '[422, {"D":"1651204593830","I":"100163785789620825","A":"0.0008777700","P":"586950.0000000000",'
    '"PS":"BTCTRY","S":1,"channel":"trade","event":"BTCTRY","type":422}]'
)
BOOK_2025 = (
    '[431, {"CS":461280,"PS":"BTCTRY",'
    '"AO":[{"A":"0.01699937","P":"5171945"},{"A":"0.01366444","P":"5171946"}],'
    '"BO":[{"A":"0.00795068","P":"5168031"},{"A":"0.00735303","P":"5168030"}],'
    '"channel":"orderbook","event":"BTCTRY","type":431}]'
)


def test_ticker_2025_capture_with_string_decimals() -> None:
    event = decode_frame(TICKER_2025)
    assert isinstance(event, TickerUpdated)
    assert (event.symbol, event.bid, event.ask, event.last) == (
        "ADATRY",
        D("34.706"),
        D("34.738"),
        D("34.76"),
    )
    assert event.bid_quantity == D("190.3053") and event.volume == D("473088.27239993")
    assert event.ts_ms is None  # `D` is the daily change, never read as a time


def test_ticker_with_number_decimals_is_exact() -> None:
    event = decode_frame(
        TICKER_2025.replace('"B":"34.706"', '"B":34.706').replace('"LA":"34.76"', '"LA":34.76')
    )
    assert isinstance(event, TickerUpdated)
    assert event.bid == D("34.706") and event.last == D("34.76")
    assert isinstance(event.bid, Decimal)


def test_trade_list_and_single_trade() -> None:
    listed = decode_frame(TRADES_2022)
    assert isinstance(listed, TradesListed)
    assert [t.trade_id for t in listed.trades] == ["100163785789620803", "100163785789620737"]
    assert listed.trades[0].price == D("586484") and listed.trades[0].ts_ms == 1651204111661
    single = decode_frame(TRADE_2022)
    assert isinstance(single, TradeHappened)
    assert single.trade.symbol == "BTCTRY" and single.trade.quantity == D("0.00087777")
    assert single.trade.side_flag == 1 and single.trade.ts_ms == 1651204593830


def test_order_book_snapshot_2025_capture() -> None:
    event = decode_frame(BOOK_2025)
    assert isinstance(event, BookSnapshotReceived)
    assert event.changeset == 461280 and event.symbol == "BTCTRY"
    assert event.asks[0] == BookLevel(price=D("5171945"), quantity=D("0.01699937"))
    assert event.bids[1] == BookLevel(price=D("5168030"), quantity=D("0.00735303"))


def test_order_book_diff_rows_with_numbers_and_strings() -> None:
    text = (
        '[432,{"type":432,"CS":461281,"PS":"BTCTRY","AO":[{"CP":1,"A":0.5,"P":5171944}],'
        '"BO":[{"CP":3,"A":"0","P":"5168031"},{"CP":0,"A":"0.1","P":"5168030"}],"timestamp":1700000000123}]'
    )
    event = decode_frame(text)
    assert isinstance(event, BookDiffReceived)
    assert event.changeset == 461281 and event.ts_ms == 1700000000123
    assert event.asks[0].change is LevelChange.INSERTED and event.asks[0].quantity == D("0.5")
    assert [row.change for row in event.bids] == [LevelChange.DELETED, LevelChange.UPDATED]


def test_control_frames() -> None:
    assert decode_frame('[991,{"type":991,"current":"5.1.0","min":"2.3.0"}]') == Welcome(
        current="5.1.0", minimum="2.3.0"
    )
    ack = decode_frame('[100, {"type": 100, "ok": true, "message": "join|trade:BTCTRY"}]')
    assert ack == SubscriptionResult(ok=True, message="join|trade:BTCTRY")
    refused = decode_frame('[114, {"type":114, "ok": false, "message": "Unauthorized - Invalid Nonce"}]')
    assert refused == LoginResult(ok=False, message="Unauthorized - Invalid Nonce")


def test_private_models() -> None:
    inserted = decode_frame(
        '[451, {"type":451, "pairId":0, "symbol":"BTCTRY", "id":7, "method":0, "userId":0,'
        '"orderType":0, "price":"0", "amount":"0", "numLeft":"0.00", "denomLeft":"0",'
        '"newOrderClientId":null}]'
    )
    assert isinstance(inserted, OrderInserted)
    assert inserted.order_id == "7" and inserted.client_order_id is None and inserted.side is Side.BUY
    matched = decode_frame(
        '[441, {"type":441, "id":22632304, "user":0, "isBid":false, "method":0, "pair":1,'
        '"symbol":"BTCTRY", "numTotal":"0.0004", "numLeft":"0", "denomTotal":"125.2",'
        '"denomLeft":"0", "amount":"0.0004", "price":"313000.00", "clientId":"my-id-1",'
        '"timestamp":1628690323897}]'
    )
    assert isinstance(matched, OrderMatched)
    assert matched.side is Side.SELL and matched.quantity == D("0.0004") and matched.trade_id is None
    trade = decode_frame(
        '[423, {"type":423, "id":5758565, "orderId":22632304, "timestamp":1628690323897,'
        '"numeratorSymbol":"BTC", "denominatorSymbol":"TRY", "amount":"-0.00040000",'
        '"fee":"-0.19098258", "tax":"-0.03437687", "price":"313000.00",'
        '"orderType":"sell", "orderClientId":"my-id-1", "preciseAmount":-0.000400000000}]'
    )
    assert isinstance(trade, UserTradeReported)
    assert (trade.trade_id, trade.order_id, trade.side) == ("5758565", "22632304", Side.SELL)
    assert (trade.quantity, trade.fee, trade.tax) == (D("0.0004"), D("0.19098258"), D("0.03437687"))
    deleted = decode_frame(
        '[452, {"type":452,"pairId":1,"symbol":"BTCTRY","id":7,"orderType":1,"price":"5",'
        '"amount":"1","numLeft":"1","newOrderClientId":"c-1"}]'
    )
    assert (
        isinstance(deleted, OrderDeleted) and deleted.side is Side.SELL and deleted.client_order_id == "c-1"
    )


def test_unknown_types_are_ignored() -> None:
    assert decode_frame('[801, {"type": 801, "text": "maintenance"}]') is None
    assert decode_frame('[428, {"type": 428, "P": "BTCTRY"}]') is None


@pytest.mark.parametrize(
    "text",
    [
        "not json",
        '{"type": 402}',
        "[402]",
        '["402", {}]',
        '[402, {"PS": "BTCTRY", "A": "1", "LA": "1"}]',  # no B
        '[402, {"PS": "BTCTRY", "B": "abc", "A": "1", "LA": "1"}]',
        '[431, {"PS": "BTCTRY", "AO": [], "BO": []}]',  # no CS
        '[432, {"PS": "BTCTRY", "CS": 2, "AO": [{"CP": 9, "A": "1", "P": "1"}]}]',
        '[441, {"id": 1, "symbol": "BTCTRY", "price": "1", "amount": "1", "numLeft": "0"}]',
        '[402, {"PS": "BTCTRY", "B": true, "A": "1", "LA": "1"}]',
    ],
)
def test_malformed_frames_raise_and_are_counted(text: str) -> None:
    with pytest.raises(MalformedFrame):
        decode_frame(text)
    decoder = FrameDecoder()
    assert decoder.decode(text) is None
    assert decoder.malformed == 1 and decoder.last_error


def test_subscribe_and_login_frames() -> None:
    assert json.loads(encode_subscribe("orderbook", "BTCTRY")) == [
        151,
        {"type": 151, "channel": "orderbook", "event": "BTCTRY", "join": True},
    ]
    assert json.loads(encode_subscribe("ticker", "all", join=False))[1]["join"] is False
    login = json.loads(encode_login(Credentials(KEY, SECRET), timestamp_ms=1_700_000_000_000, nonce=3000))
    assert login == [
        114,
        {
            "type": 114,
            "publicKey": KEY,
            "timestamp": 1_700_000_000_000,
            "nonce": 3000,
            "signature": "Sg5mbzKpP9xslXUM+aY7k9rndDw/cz/tV8U53QTNXnQ=",  # §11.4 test vector
        },
    ]
