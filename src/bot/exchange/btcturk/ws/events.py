"""Typed WebSocket events (protocol §11), decoded from BTCTurk frames by `frames.decode_frame`.

Public market events carry `ts_ms`, the exchange's timestamp when the frame has one (None when it
does not; the feed then stamps the receipt time). Private order events are past-tense facts.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from enum import IntEnum

from bot.domain.market import BookLevel
from bot.domain.orders import Side


class LevelChange(IntEnum):
    """432 row `CP`."""

    UPDATED = 0
    INSERTED = 1
    DELETED = 3


@dataclass(frozen=True, slots=True, kw_only=True)
class Welcome:  # 991
    current: str
    minimum: str


@dataclass(frozen=True, slots=True, kw_only=True)
class SubscriptionResult:  # 100
    ok: bool
    message: str


@dataclass(frozen=True, slots=True, kw_only=True)
class LoginResult:  # 114 (server -> client)
    ok: bool
    message: str


@dataclass(frozen=True, slots=True, kw_only=True)
class TickerUpdated:  # 402
    symbol: str
    bid: Decimal
    ask: Decimal
    last: Decimal
    bid_quantity: Decimal | None
    ask_quantity: Decimal | None
    volume: Decimal | None
    ts_ms: int | None


@dataclass(frozen=True, slots=True, kw_only=True)
class PublicTrade:
    symbol: str
    trade_id: str
    price: Decimal
    quantity: Decimal
    side_flag: int | None  # `S`; its meaning is disputed (§12.6), so no Side is derived from it
    ts_ms: int | None


@dataclass(frozen=True, slots=True, kw_only=True)
class TradesListed:  # 421
    symbol: str
    trades: tuple[PublicTrade, ...]  # newest first, as sent


@dataclass(frozen=True, slots=True, kw_only=True)
class TradeHappened:  # 422
    trade: PublicTrade


@dataclass(frozen=True, slots=True, kw_only=True)
class BookSnapshotReceived:  # 431
    symbol: str
    changeset: int
    bids: tuple[BookLevel, ...]  # best first
    asks: tuple[BookLevel, ...]  # best first
    ts_ms: int | None


@dataclass(frozen=True, slots=True, kw_only=True)
class LevelChanged:
    change: LevelChange
    price: Decimal
    quantity: Decimal


@dataclass(frozen=True, slots=True, kw_only=True)
class BookDiffReceived:  # 432
    symbol: str
    changeset: int
    bids: tuple[LevelChanged, ...]
    asks: tuple[LevelChanged, ...]
    ts_ms: int | None


@dataclass(frozen=True, slots=True, kw_only=True)
class OrderEvent:
    """451/452/453 share one model. `side` is None when `orderType` is not 0 (buy) or 1 (sell)."""

    order_id: str
    client_order_id: str | None
    symbol: str
    side: Side | None
    price: Decimal
    quantity: Decimal
    remaining_quantity: Decimal
    ts_ms: int | None


@dataclass(frozen=True, slots=True, kw_only=True)
class OrderInserted(OrderEvent):  # 451
    pass


@dataclass(frozen=True, slots=True, kw_only=True)
class OrderUpdated(OrderEvent):  # 453: partial fill or amendment
    pass


@dataclass(frozen=True, slots=True, kw_only=True)
class OrderDeleted(OrderEvent):  # 452: canceled, or left the book (the final confirmation)
    pass


@dataclass(frozen=True, slots=True, kw_only=True)
class OrderMatched:  # 441, one per fill
    order_id: str
    client_order_id: str | None
    symbol: str
    side: Side
    price: Decimal  # of the fill
    quantity: Decimal  # of the fill
    remaining_quantity: Decimal
    trade_id: str | None  # not in BTCTurk's model; the simulator adds `tradeId`
    ts_ms: int | None


@dataclass(frozen=True, slots=True, kw_only=True)
class UserTradeReported:  # 423: the fill as users/transactions/trade reports it
    trade_id: str
    order_id: str
    client_order_id: str | None
    base: str
    quote: str
    side: Side
    price: Decimal
    quantity: Decimal  # positive
    fee: Decimal  # positive, in the quote asset
    tax: Decimal  # positive
    ts_ms: int


@dataclass(frozen=True, slots=True, kw_only=True)
class PrivateSessionStarted:
    """Emitted by the feed after each successful login: events before it may have been missed
    (a disconnect), so the consumer reconciles over REST."""

    ts_ms: int


MARKET_EVENTS = (TickerUpdated, TradesListed, TradeHappened, BookSnapshotReceived, BookDiffReceived)
MarketEvent = TickerUpdated | TradesListed | TradeHappened | BookSnapshotReceived | BookDiffReceived
PrivateEvent = OrderEvent | OrderMatched | UserTradeReported | PrivateSessionStarted
ControlEvent = Welcome | SubscriptionResult | LoginResult
WsEvent = MarketEvent | PrivateEvent | ControlEvent
