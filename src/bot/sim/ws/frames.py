"""WebSocket frames the simulator sends (protocol §11), built from engine and dataset values.

Every frame is `[type, {"type": type, ...}]`. Prices and amounts are strings (WS v2.2+); ids,
CS, types and times are numbers, except trade `D`/`I`, which real captures show as strings.
Sim extensions (absent from captures, ignored by real clients): `timestamp` (ms; for market data
the wall time at which the data became current, so a frozen market reads as stale)
on 402/431/432, so a client can measure staleness from exchange time, and `tradeId` on 441.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from decimal import Decimal

from bot.domain.dataset import MarketRow
from bot.domain.market import BookLevel
from bot.domain.money import exact_product
from bot.domain.orders import Side
from bot.domain.symbols import PairRules
from bot.exchange.matching import EngineOrder, EngineTrade
from bot.sim.payloads import ticker_item, user_trade_item
from bot.sim.wire import encode, text

WELCOME = 991
RESULT = 100
LOGIN = 114
TICKER = 402
TRADE_LIST = 421
TRADE_SINGLE = 422
USER_TRADE = 423
BOOK_FULL = 431
BOOK_DIFF = 432
ORDER_MATCH = 441
ORDER_INSERT = 451
ORDER_DELETE = 452
ORDER_UPDATE = 453

CHANGE_UPDATED = 0
CHANGE_INSERTED = 1
CHANGE_DELETED = 3


def frame(model: int, body: Mapping[str, object]) -> str:
    return encode([model, {"type": model, **body}])


def welcome() -> str:
    return frame(WELCOME, {"current": "5.1.0", "min": "2.3.0"})


def result(ok: bool, message: str) -> str:
    return frame(RESULT, {"ok": ok, "message": message, "id": 0})


def login_result(ok: bool, message: str) -> str:
    return frame(LOGIN, {"ok": ok, "message": message})


def ticker(rules: PairRules, window: Sequence[MarketRow], pair_id: int, ts_ms: int) -> str:
    """402 TickerPair for the current row (`window[-1]`) with 24 h statistics over `window`."""
    stats = ticker_item(rules, window, ts_ms, 1000 + pair_id)
    row = window[-1]
    body = {
        "B": text(row.bid),
        "A": text(row.ask),
        "BA": text(row.bid_qty),
        "AA": text(row.ask_qty),
        "PS": rules.symbol,
        "H": _text(stats["high"]),
        "L": _text(stats["low"]),
        "LA": text(row.last),
        "O": _text(stats["open"]),
        "V": _text(stats["volume"]),
        "AV": _text(stats["average"]),
        "D": _text(stats["daily"]),
        "DP": _text(stats["dailyPercent"]),
        "DS": rules.quote,
        "NS": rules.base,
        "PId": pair_id,
        "timestamp": ts_ms,
    }
    return frame(TICKER, {**body, **_channel("ticker", rules.symbol)})


def trade_item(row: MarketRow, wall_ms: int) -> dict[str, object]:
    """One synthetic public trade per dataset step; S=1 for a buy taker, 0 for a sell taker (§11.3)."""
    return {
        "D": str(wall_ms),
        "I": str(row.ts_ms),
        "A": text(row.volume),
        "P": text(row.last),
        "S": 1 if row.last >= row.ask else 0,
    }


def trade_list(symbol: str, items: Sequence[Mapping[str, object]]) -> str:
    return frame(TRADE_LIST, {"symbol": symbol, "items": list(items), **_channel("trade", symbol)})


def trade_single(symbol: str, item: Mapping[str, object]) -> str:
    return frame(TRADE_SINGLE, {**item, "PS": symbol, **_channel("trade", symbol)})


def book_full(
    symbol: str, changeset: int, sides: tuple[Sequence[BookLevel], Sequence[BookLevel]], ts_ms: int
) -> str:
    bids, asks = sides
    body = {
        "CS": changeset,
        "PS": symbol,
        "AO": [_level(level) for level in asks],
        "BO": [_level(level) for level in bids],
        "timestamp": ts_ms,
    }
    return frame(BOOK_FULL, {**body, **_channel("orderbook", symbol)})


def book_diff(
    symbol: str,
    changeset: int,
    changes: tuple[Sequence[tuple[int, BookLevel]], Sequence[tuple[int, BookLevel]]],
    ts_ms: int,
) -> str:
    """432: rows `{CP, A, P}` with CP 0 updated, 1 inserted, 3 deleted (A is "0" on delete)."""
    bid_changes, ask_changes = changes
    body = {
        "CS": changeset,
        "PS": symbol,
        "AO": [{"CP": kind, **_level(level)} for kind, level in ask_changes],
        "BO": [{"CP": kind, **_level(level)} for kind, level in bid_changes],
        "timestamp": ts_ms,
    }
    return frame(BOOK_DIFF, {**body, **_channel("orderbook", symbol)})


def side_changes(old: Sequence[BookLevel], new: Sequence[BookLevel]) -> list[tuple[int, BookLevel]]:
    """The 432 rows that turn side `old` into side `new`."""
    before = {level.price: level.quantity for level in old}
    after = {level.price for level in new}
    changes: list[tuple[int, BookLevel]] = []
    for level in new:
        if level.price not in before:
            changes.append((CHANGE_INSERTED, level))
        elif before[level.price] != level.quantity:
            changes.append((CHANGE_UPDATED, level))
    for level in old:
        if level.price not in after:
            changes.append((CHANGE_DELETED, BookLevel(price=level.price, quantity=Decimal(0))))
    return changes


def order_model(model: int, order: EngineOrder, pair_id: int, *, left: Decimal) -> str:
    """451 insert / 452 delete / 453 update. `orderType` 0 = buy, 1 = sell (undocumented, LOW)."""
    body = {
        "pairId": pair_id,
        "symbol": order.symbol,
        "id": order.order_id,
        "method": 0,
        "userId": 0,
        "orderType": 0 if order.side is Side.BUY else 1,
        "price": text(order.price),
        "amount": text(order.quantity),
        "numLeft": text(left),
        "denomLeft": text(exact_product(left, order.price)),
        "newOrderClientId": order.client_order_id,
        "timestamp": order.updated_ms,
    }
    return frame(model, body)


def order_match(trade: EngineTrade, order: EngineOrder, pair_id: int, *, left: Decimal) -> str:
    """441 UserOrderMatch for one fill; `left` is the order's remaining base after it."""
    body = {
        "id": order.order_id,
        "user": 0,
        "isBid": order.side is Side.BUY,
        "method": 0,
        "pair": pair_id,
        "symbol": order.symbol,
        "numTotal": text(order.quantity),
        "numLeft": text(left),
        "denomTotal": text(exact_product(order.quantity, order.price)),
        "denomLeft": text(exact_product(left, order.price)),
        "amount": text(trade.quantity),
        "price": text(trade.price),
        "clientId": order.client_order_id,
        "timestamp": trade.ts_ms,
        "tradeId": trade.trade_id,
    }
    return frame(ORDER_MATCH, body)


def user_trade(trade: EngineTrade, rules: PairRules) -> str:
    """423 UserTrade: the REST users/transactions/trade row (§6.7) as a frame."""
    return frame(USER_TRADE, user_trade_item(trade, rules))


def _level(level: BookLevel) -> dict[str, str]:
    return {"A": text(level.quantity), "P": text(level.price)}


def _channel(channel: str, event: str) -> dict[str, str]:
    return {"channel": channel, "event": event}


def _text(value: object) -> str:
    assert isinstance(value, Decimal)
    return text(value)
