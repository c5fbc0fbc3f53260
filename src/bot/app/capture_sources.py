"""Where `bot replay-capture` reads the market: the WebSocket feed (`market_data.feed =
"websocket"`: the ticker and order-book channels, §11) or REST (`/api/v2/ticker` and
`/api/v2/orderbook`, §5.3, §5.4), each read turned into a `QuoteSample` or the reason there is none.
"""

from __future__ import annotations

import logging
import math
import random
import time
from collections.abc import Sequence
from decimal import Decimal
from typing import TYPE_CHECKING, Protocol

from bot.app.errors import CommandError
from bot.app.stop import StopFlag
from bot.config import Settings
from bot.domain.market import OrderBook
from bot.exchange.btcturk.rate_limit import BTCTURK_LIMITS
from bot.exchange.errors import ExchangeError
from bot.replay.sampling import Miss, QuoteSample

if TYPE_CHECKING:
    from bot.exchange.btcturk.sync_client import BtcturkClient
    from bot.exchange.btcturk.ws.feed import MarketFeed

log = logging.getLogger(__name__)
Read = QuoteSample | Miss
WARM_UP_S = 10.0  # how long the feed may take to send every symbol's first book before step one


class MarketSampler(Protocol):
    """One read of every symbol per step."""

    name: str  # "rest" or "websocket"
    url: str

    def warm_up(self, symbols: Sequence[str], flag: StopFlag) -> None:
        """Return when the first step can be read (or the flag is set)."""
        ...

    def read(self, symbols: Sequence[str]) -> dict[str, Read]: ...

    def close(self) -> None: ...


def _sample(
    book: OrderBook | None, last: Decimal | None, volume: Decimal | None, exchange_ts_ms: int
) -> Read:
    if book is None or not book.bids or not book.asks or last is None:
        return Miss.NO_DATA
    return QuoteSample(
        bid=book.bids[0].price,
        bid_qty=book.bids[0].quantity,
        ask=book.asks[0].price,
        ask_qty=book.asks[0].quantity,
        last=last,
        volume_24h=volume,
        exchange_ts_ms=exchange_ts_ms,
    )


class RestSampler:
    """The ticker and the top of the book, two requests per symbol per step."""

    name = "rest"

    def __init__(self, client: BtcturkClient, url: str) -> None:
        self._client, self.url = client, url

    def warm_up(self, symbols: Sequence[str], flag: StopFlag) -> None:
        """Nothing to wait for: every read asks the exchange."""

    def read(self, symbols: Sequence[str]) -> dict[str, Read]:
        return {symbol: self._read(symbol) for symbol in symbols}

    def _read(self, symbol: str) -> Read:
        try:
            ticker = self._client.ticker(symbol)
            book = self._client.order_book(symbol, 1)
        except ExchangeError as error:
            log.warning("capture: a read failed", extra={"fields": {"symbol": symbol, "error": str(error)}})
            return Miss.READ_FAILED
        return _sample(book, ticker.last, ticker.volume, max(ticker.ts_ms, book.ts_ms))

    def close(self) -> None:
        """The client belongs to the caller."""


class FeedSampler:
    """The feed's latest quote of each symbol: its book's best levels, the ticker's last and volume."""

    name = "websocket"

    def __init__(self, feed: MarketFeed, url: str) -> None:
        self._feed, self.url = feed, url

    def read(self, symbols: Sequence[str]) -> dict[str, Read]:
        reads: dict[str, Read] = {}
        for symbol in symbols:
            quote = self._feed.latest(symbol)
            reads[symbol] = (
                Miss.NO_DATA
                if quote is None
                else _sample(quote.book, quote.last, quote.volume, quote.exchange_ts_ms)
            )
        return reads

    def warm_up(self, symbols: Sequence[str], flag: StopFlag, timeout_s: float = WARM_UP_S) -> None:
        """Wait (at most `timeout_s`, or until stopped) for every symbol's first usable quote, so
        the capture does not open with the connection's own latency as gaps."""
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline and not flag.stopped:
            if not any(isinstance(read, Miss) for read in self.read(symbols).values()):
                return
            flag.wait(0.05)

    def close(self) -> None:
        if not self._feed.stop():
            log.warning("capture: the market feed did not stop in time")


def open_feed(settings: Settings, symbols: Sequence[str]) -> FeedSampler:
    from bot.app.stream import wall_ms
    from bot.exchange.btcturk.ws.feed import FeedOptions, MarketFeed

    url = settings.market_data.ws_url
    feed = MarketFeed(url, symbols, clock=wall_ms, options=FeedOptions(rng=random.Random(), trades=False))
    feed.start()
    return FeedSampler(feed, url)


def check_rest_budget(settings: Settings, symbols: Sequence[str], step_ms: int) -> None:
    """Refuse (CommandError) a REST capture that needs more ticker or order-book reads than the
    client's share of BTCTurk's limits (§8) allows: it would fall behind and lose steps."""
    ratio = settings.exchange.rate_limit_ratio
    for group in ("get /api/v2/ticker", "get /api/v2/orderbook"):
        for rule in BTCTURK_LIMITS[group]:
            allowed = max(1, math.floor(rule.limit * ratio))
            needed = math.ceil(len(symbols) * rule.period_s * 1000 / step_ms)
            if needed > allowed:
                raise CommandError(
                    f"a REST capture of {len(symbols)} symbol(s) every {step_ms / 1000:g} s makes {needed}"
                    f" {group.split()[1]} reads per {rule.period_s:g} s; the rate budget allows {allowed}"
                    f" ({rule.limit} x exchange.rate_limit_ratio {ratio:g}): use a longer --step, fewer"
                    " symbols or --set market_data.feed=websocket"
                )
