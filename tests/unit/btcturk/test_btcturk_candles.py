"""graph-api candles through the sync client (§5.8): the request, the parse, and the paging that
reads a window longer than one answer, whichever end a server that caps its answers keeps."""

from __future__ import annotations

import json
import random
from decimal import Decimal

import httpx
import pytest

from bot.exchange.btcturk import BtcturkClient, RetryPolicy
from bot.exchange.btcturk.engine import CallPolicy
from bot.exchange.btcturk.paging import remaining_candle_windows
from bot.exchange.errors import MalformedPayload, Rejected
from bot.testing import FakeClock

MINUTE_MS = 60_000
T0_MS = 1_700_000_040_000  # a whole minute


class GraphServer:
    """One bar a minute from T0 for `bars` minutes, `missing` left out; answers at most `cap`
    bars, the oldest (or, `newest`, the latest) of those asked for."""

    def __init__(self, bars: int, *, cap: int | None = None, newest: bool = False, missing=()) -> None:
        self.times_s = [
            (T0_MS + i * MINUTE_MS) // 1000 for i in range(bars) if T0_MS + i * MINUTE_MS not in missing
        ]
        self.cap, self.newest = cap, newest
        self.asked: list[tuple[int, int]] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        params = request.url.params
        assert (request.url.host, request.url.path) == ("graph.test", "/v1/klines/history")
        assert (params["symbol"], params["resolution"]) == ("BTCTRY", "1")
        lo, hi = int(params["from"]), int(params["to"])
        self.asked.append((lo, hi))
        times = [t for t in self.times_s if lo <= t <= hi]
        if self.cap is not None:
            times = times[-self.cap :] if self.newest else times[: self.cap]
        if not times:
            return httpx.Response(200, json={"s": "no_data"})
        prices = [1000 + (t // 60) % 7 for t in times]
        columns = dict.fromkeys("ohlc", prices)
        body = {"s": "ok", "t": times, **columns, "v": [0.5] * len(times)}
        return httpx.Response(200, content=json.dumps(body).encode())


def client_for(handler) -> BtcturkClient:
    clock = FakeClock()
    return BtcturkClient(
        base_url="http://exchange.test",
        graph_base_url="http://graph.test",
        transport=httpx.MockTransport(handler),
        now_ms=clock.now_ms,
        sleep=clock.sleep,
        policy=CallPolicy(rng=random.Random(1), retry=RetryPolicy(max_attempts=3, base_delay_s=0.1)),
    )


def window(bars: int) -> tuple[int, int]:
    return T0_MS, T0_MS + bars * MINUTE_MS


def test_candles_are_asked_of_the_graph_origin_in_seconds_and_parsed_exactly() -> None:
    server = GraphServer(3)
    read = client_for(server).candles("BTCTRY", MINUTE_MS, window(3))
    assert server.asked == [(T0_MS // 1000, (T0_MS + 3 * MINUTE_MS - 1) // 1000)]
    assert [c.ts_ms for c in read.candles] == [T0_MS + i * MINUTE_MS for i in range(3)]
    first = read.candles[0]
    assert (first.symbol, first.volume, type(first.close)) == ("BTCTRY", Decimal("0.5"), Decimal)
    assert read.requests == 1


def test_a_window_longer_than_a_page_is_read_in_pages_that_do_not_overlap() -> None:
    server = GraphServer(2_500)
    read = client_for(server).candles("BTCTRY", MINUTE_MS, window(2_500), page_bars=1_000)
    assert read.requests == 3
    assert [c.ts_ms for c in read.candles] == [T0_MS + i * MINUTE_MS for i in range(2_500)]
    ends = [hi for _, hi in server.asked]
    starts = [lo for lo, _ in server.asked]
    assert all(end < start for end, start in zip(ends, starts[1:], strict=False))


@pytest.mark.parametrize("newest", [False, True], ids=["keeps-oldest", "keeps-newest"])
def test_a_server_that_caps_its_answers_is_asked_again_for_the_rest(newest: bool) -> None:
    server = GraphServer(1_000, cap=300, newest=newest)
    read = client_for(server).candles("BTCTRY", MINUTE_MS, window(1_000), page_bars=1_000)
    assert sorted(c.ts_ms for c in read.candles) == [T0_MS + i * MINUTE_MS for i in range(1_000)]
    assert len(read.candles) == 1_000  # nothing asked for twice
    assert read.requests <= 6


def test_gaps_cost_at_most_an_empty_answer_and_are_not_filled() -> None:
    missing = {T0_MS + 10 * MINUTE_MS, T0_MS + 11 * MINUTE_MS, T0_MS + 99 * MINUTE_MS}
    server = GraphServer(100, missing=missing)
    read = client_for(server).candles("BTCTRY", MINUTE_MS, window(100))
    assert len(read.candles) == 97 and not missing & {c.ts_ms for c in read.candles}
    assert read.requests == 2  # the last minute is missing: asked once more, answered no_data


def test_no_data_is_no_candles() -> None:
    read = client_for(GraphServer(0)).candles("BTCTRY", MINUTE_MS, window(10))
    assert (read.candles, read.requests) == ((), 1)


def test_an_error_answer_is_a_rejection_with_its_message_and_is_not_retried() -> None:
    seen: list[httpx.Request] = []

    def refuse(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(400, json={"s": "error", "errmsg": "unknown resolution '1'"})

    with pytest.raises(Rejected, match="unknown resolution"):
        client_for(refuse).candles("BTCTRY", MINUTE_MS, window(10))
    assert len(seen) == 1


def test_columns_of_different_lengths_are_malformed() -> None:
    body = {"s": "ok", "t": [1, 2], "o": [1], "h": [1, 2], "l": [1, 2], "c": [1, 2], "v": [1, 2]}
    with pytest.raises(MalformedPayload, match="differ in length"):
        client_for(lambda r: httpx.Response(200, json=body)).candles("BTCTRY", MINUTE_MS, window(2))


def test_each_remaining_window_is_narrower_than_the_one_asked() -> None:
    from bot.domain.market import Candle

    def bar(minute: int) -> Candle:
        one = Decimal(1)
        ts = T0_MS + minute * MINUTE_MS
        return Candle(symbol="BTCTRY", ts_ms=ts, open=one, high=one, low=one, close=one, volume=one)

    lo, hi = window(10)
    assert remaining_candle_windows(lo, hi, [bar(3), bar(5)], MINUTE_MS) == [
        (lo, T0_MS + 3 * MINUTE_MS),
        (T0_MS + 6 * MINUTE_MS, hi),
    ]
    assert remaining_candle_windows(lo, hi, [bar(0), bar(9)], MINUTE_MS) == []
    assert remaining_candle_windows(lo, hi, [bar(12)], MINUTE_MS) == []  # outside: nothing learnt


def test_the_documented_sample_with_float_numbers_is_read_without_a_float() -> None:
    sample = (
        b'{"s": "ok", "t": [1661990400, 1661990520], "o": [368388.0, 368467.0],'
        b' "h": [368388.0, 369090.0], "l": [368388.0, 368467.0], "c": [368388.0, 369090.0],'
        b' "v": [0.00035208, 0.2972395]}'
    )
    lo = 1_661_990_400_000
    client = client_for(lambda r: httpx.Response(200, content=sample))
    read = client.candles("BTCTRY", MINUTE_MS, (lo, lo + 3 * MINUTE_MS))
    assert [(c.ts_ms, c.close, c.volume) for c in read.candles] == [
        (lo, Decimal("368388.0"), Decimal("0.00035208")),
        (lo + 120_000, Decimal("369090.0"), Decimal("0.2972395")),
    ]
