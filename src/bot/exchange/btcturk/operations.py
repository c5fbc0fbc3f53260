"""The gateway operations as sans-IO flows, written once for both clients.

Each function returns a `Flow` over a `CallEngine`: the request builders, parsers and paging
decisions of one operation. The sync client runs a flow by blocking, the async one by awaiting.
"""

from __future__ import annotations

from collections.abc import Mapping
from functools import partial

from bot.domain.account import Balance
from bot.domain.market import Candle, OrderBook, Ticker
from bot.domain.orders import ExchangeOrder, Fill, SubmitAck, SubmitOrder
from bot.domain.symbols import PairRules
from bot.exchange.btcturk import paging, requests, responses
from bot.exchange.btcturk.engine import CallEngine, Flow
from bot.exchange.btcturk.paging import CandleRead
from bot.exchange.btcturk.requests import PAGE_LIMIT

TRADES_END_MARGIN_MS = 60_000  # read a little past "now" so a skewed clock cannot hide fresh fills


def server_time_ms(engine: CallEngine) -> Flow[int]:
    return engine.call(requests.server_time(), responses.parse_server_time)


def sync_clock(engine: CallEngine) -> Flow[int]:
    """Measure server time and set the stamp offset (server minus local, ms); returns it.

    The server's clock is taken to be read at the midpoint of the round trip.
    """
    sent_ms = engine.now_ms()
    server_ms = yield from server_time_ms(engine)
    received_ms = engine.now_ms()
    return engine.set_clock_offset(server_ms - (sent_ms + received_ms) // 2)


def pair_rules(engine: CallEngine) -> Flow[Mapping[str, PairRules]]:
    return engine.call(requests.exchange_info(), responses.parse_exchange_info)


def ticker(engine: CallEngine, symbol: str) -> Flow[Ticker]:
    return engine.call(requests.ticker(symbol), partial(responses.parse_ticker, symbol=symbol))


def order_book(engine: CallEngine, symbol: str, limit: int) -> Flow[OrderBook]:
    parse = partial(responses.parse_order_book, symbol=symbol)
    return engine.call(requests.order_book(symbol, limit), parse)


def balances(engine: CallEngine) -> Flow[Mapping[str, Balance]]:
    return engine.call(requests.balances(), responses.parse_balances)


def open_orders(engine: CallEngine, symbol: str | None) -> Flow[list[ExchangeOrder]]:
    return engine.call(requests.open_orders(symbol), responses.parse_open_orders)


def all_orders(engine: CallEngine, symbol: str, since_ms: int | None) -> Flow[list[ExchangeOrder]]:
    seen: dict[str, ExchangeOrder] = {}
    page_number = 1
    while True:
        request = requests.all_orders(symbol, since_ms, page_number)
        page = yield from engine.call(request, responses.parse_orders)
        added = paging.merge_orders(seen, page)
        if not paging.more_order_pages(len(page), added, PAGE_LIMIT, page_number):
            return paging.newest_last(seen.values())
        page_number += 1


def submit_order(engine: CallEngine, order: SubmitOrder) -> Flow[SubmitAck]:
    """Sent once: a lost or unusable answer raises UncertainOutcome (the engine never retries writes)."""
    parse = partial(responses.parse_submit, fallback_ts_ms=engine.now_ms())
    return engine.call(requests.submit_order(order), parse)


def cancel_order(engine: CallEngine, exchange_order_id: str) -> Flow[None]:
    return engine.call(requests.cancel_order(exchange_order_id), responses.parse_cancel)


def user_trades(engine: CallEngine, since_ms: int) -> Flow[list[Fill]]:
    end_ms = engine.now_ms() + engine.clock_offset_ms + TRADES_END_MARGIN_MS
    windows = [(since_ms, end_ms)]
    fills: dict[str, Fill] = {}
    requests_made = 0
    while windows and requests_made < paging.MAX_PAGES:
        start, end = windows.pop()
        page = yield from engine.call(requests.user_trades(start, end), responses.parse_user_trades)
        requests_made += 1
        fills.update((fill.trade_id, fill) for fill in page)
        windows += paging.remaining_windows(start, end, page, PAGE_LIMIT)
    return paging.oldest_first(f for f in fills.values() if f.ts_ms >= since_ms)


def candles(
    engine: CallEngine, symbol: str, step_ms: int, window: tuple[int, int], page_bars: int
) -> Flow[CandleRead]:
    """graph-api candles of `step_ms` (a key of `requests.KLINE_RESOLUTIONS`) opening in the
    window [start, end) (epoch ms), asked for `page_bars` at a time, and again for any part of
    a page its answer did not reach (`paging.remaining_candle_windows`)."""
    resolution = requests.KLINE_RESOLUTIONS[step_ms]
    parse = partial(responses.parse_klines, symbol=symbol)
    pending = list(reversed(paging.candle_pages(*window, step_ms, page_bars)))
    received: list[Candle] = []
    asked = 0
    while pending:
        start, end = pending.pop()
        # `to` is inclusive in seconds: stop a second before the next window's first bar.
        request = requests.klines(symbol, resolution, start // 1000, (end - 1) // 1000)
        page = yield from engine.call(request, parse)
        asked += 1
        received += page
        pending += reversed(paging.remaining_candle_windows(start, end, page, step_ms))
    return CandleRead(candles=tuple(received), requests=asked)
