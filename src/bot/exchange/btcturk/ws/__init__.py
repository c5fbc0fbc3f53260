"""BTCTurk WebSocket feed (protocol §11): sans-IO frame codec (`frames`), the local order book
(`book`), and the threaded `MarketFeed` that publishes immutable per-symbol quotes and a queue of
private order events.

The names below are loaded on first use, not with the package: `quotes` and `events` are plain
values that REST-only runs use too, and must not bring in websockets and asyncio with them.
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from bot.exchange.btcturk.ws.book import LocalBook
    from bot.exchange.btcturk.ws.feed import MarketFeed
    from bot.exchange.btcturk.ws.fields import MalformedFrame
    from bot.exchange.btcturk.ws.frames import FrameDecoder, decode_frame, encode_login, encode_subscribe
    from bot.exchange.btcturk.ws.quotes import FeedStats

_HOMES = {
    "FeedStats": "quotes",
    "FrameDecoder": "frames",
    "LocalBook": "book",
    "MalformedFrame": "fields",
    "MarketFeed": "feed",
    "decode_frame": "frames",
    "encode_login": "frames",
    "encode_subscribe": "frames",
}

__all__ = [
    "FeedStats",
    "FrameDecoder",
    "LocalBook",
    "MalformedFrame",
    "MarketFeed",
    "decode_frame",
    "encode_login",
    "encode_subscribe",
]


def __getattr__(name: str) -> object:
    home = _HOMES.get(name)
    if home is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(import_module(f"{__name__}.{home}"), name)
    globals()[name] = value
    return value
