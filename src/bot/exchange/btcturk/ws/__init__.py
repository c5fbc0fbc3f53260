"""BTCTurk WebSocket feed (protocol §11): sans-IO frame codec (`frames`), the local order book
(`book`), and the threaded `MarketFeed` that publishes immutable per-symbol quotes and a queue of
private order events."""

from bot.exchange.btcturk.ws.book import LocalBook
from bot.exchange.btcturk.ws.feed import MarketFeed
from bot.exchange.btcturk.ws.fields import MalformedFrame
from bot.exchange.btcturk.ws.frames import FrameDecoder, decode_frame, encode_login, encode_subscribe
from bot.exchange.btcturk.ws.quotes import FeedStats, SymbolQuote

__all__ = [
    "FeedStats",
    "FrameDecoder",
    "LocalBook",
    "MalformedFrame",
    "MarketFeed",
    "SymbolQuote",
    "decode_frame",
    "encode_login",
    "encode_subscribe",
]
