"""Stream first, REST when the stream is stale, back to the stream when it recovers."""

from __future__ import annotations

from decimal import Decimal as D

from bot.domain.market import BookLevel, OrderBook, Ticker
from bot.domain.quotes import SymbolQuote
from bot.exchange.ingestion import StreamFirstMarketData
from bot.testing import FakeClock
from bot.testing.builders import btctry_rules

T0 = 1_700_000_000_000


class Stream:
    def __init__(self) -> None:
        self.quotes: dict[str, SymbolQuote] = {}

    def latest(self, symbol):
        return self.quotes.get(symbol)


class Rest:
    def __init__(self) -> None:
        self.calls: list[str] = []

    def pair_rules(self):
        return {"BTCTRY": btctry_rules()}

    def ticker(self, symbol):
        self.calls.append("ticker")
        return Ticker(symbol=symbol, bid=D(1), ask=D(2), last=D(1), volume=D("917.4"), ts_ms=T0)

    def order_book(self, symbol, limit=20):
        self.calls.append("book")
        return OrderBook(symbol=symbol, bids=(BookLevel(price=D(1), quantity=D(1)),), asks=(), ts_ms=T0)


class Events:
    def __init__(self) -> None:
        self.log: list[tuple[str, str]] = []

    def fell_back(self, symbol):
        self.log.append(("fell_back", symbol))

    def recovered(self, symbol):
        self.log.append(("recovered", symbol))


def quote(ts_ms: int) -> SymbolQuote:
    book = OrderBook(
        symbol="BTCTRY",
        bids=(BookLevel(price=D("1400000"), quantity=D("1")), BookLevel(price=D("1399000"), quantity=D("2"))),
        asks=(BookLevel(price=D("1400100"), quantity=D("1")),),
        ts_ms=ts_ms,
    )
    return SymbolQuote(
        symbol="BTCTRY",
        bid=D("1400000"),
        ask=D("1400100"),
        last=D("1400050"),
        book=book,
        exchange_ts_ms=ts_ms,
        received_ms=ts_ms,
    )


def source():
    clock, stream, rest, events = FakeClock(T0), Stream(), Rest(), Events()
    market = StreamFirstMarketData(
        stream=stream, rest=rest, now_ms=clock.now_ms, fallback_age_ms=3_000, observer=events
    )
    return clock, stream, rest, events, market


def test_fresh_stream_data_is_served_without_rest_book_reads():
    _clock, stream, rest, events, market = source()
    stream.quotes["BTCTRY"] = quote(T0 - 1_000)
    book = market.order_book("BTCTRY", 1)
    assert [level.price for level in book.bids] == [D("1400000")]
    ticker = market.ticker("BTCTRY")
    assert (ticker.bid, ticker.ts_ms) == (D("1400000"), T0 - 1_000)
    assert ticker.volume == D("917.4")  # the stream has no 24 h volume: REST, once a minute
    market.ticker("BTCTRY")
    assert rest.calls == ["ticker"]
    assert events.log == []


def test_stale_stream_falls_back_to_rest_once_then_recovers():
    _clock, stream, _rest, events, market = source()
    stream.quotes["BTCTRY"] = quote(T0 - 10_000)
    assert market.order_book("BTCTRY").ts_ms == T0  # REST's book
    market.order_book("BTCTRY")
    assert events.log == [("fell_back", "BTCTRY")]
    assert market.using_rest("BTCTRY")
    stream.quotes["BTCTRY"] = quote(T0)
    assert market.order_book("BTCTRY").ts_ms == T0
    assert events.log == [("fell_back", "BTCTRY"), ("recovered", "BTCTRY")]
    assert not market.using_rest("BTCTRY")


def test_no_stream_data_yet_reads_rest():
    _, _, rest, events, market = source()
    market.ticker("BTCTRY")
    assert rest.calls == ["ticker"]
    assert events.log == [("fell_back", "BTCTRY")]
