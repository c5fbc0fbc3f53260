"""Sans-IO codec for BTCTurk WebSocket frames (protocol §11): `[type, {"type": type, ...}]`.

`encode_*` build client frames; `decode_frame` turns one text frame into a typed event, None for
a type it does not know (BTCTurk adds types at any time), or raises MalformedFrame naming the
type and field. `FrameDecoder` wraps it with a counter so bad input never crashes a reader.
Decimals are read with parse_float=Decimal and accepted as strings or numbers (WS v2.2+ sends
strings; older servers numbers).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from decimal import Decimal

from bot.domain.market import BookLevel
from bot.domain.money import NotADecimal
from bot.exchange.btcturk.auth import Credentials, sign
from bot.exchange.btcturk.ws import private_models as private
from bot.exchange.btcturk.ws.events import (
    BookDiffReceived,
    BookSnapshotReceived,
    LevelChange,
    LevelChanged,
    LoginResult,
    PublicTrade,
    SubscriptionResult,
    TickerUpdated,
    TradeHappened,
    TradesListed,
    Welcome,
    WsEvent,
)
from bot.exchange.btcturk.ws.fields import (
    Body,
    MalformedFrame,
    decimal,
    integer,
    optional_decimal,
    optional_ms,
    required,
    string,
)

SUBSCRIBE = 151
LOGIN = 114


def encode_subscribe(channel: str, event: str, *, join: bool = True) -> str:
    """151: `channel` is a name ("ticker", "trade", "orderbook", "obdiff"); `event` a pair or "all"."""
    return json.dumps([SUBSCRIBE, {"type": SUBSCRIBE, "channel": channel, "event": event, "join": join}])


def encode_login(credentials: Credentials, *, timestamp_ms: int, nonce: int | None = None) -> str:
    """114 login. The signature is over publicKey + nonce (§11.4). `nonce` defaults to the
    timestamp, which also satisfies servers that sign publicKey + timestamp (§12.5)."""
    used_nonce = timestamp_ms if nonce is None else nonce
    body = {
        "type": LOGIN,
        "publicKey": credentials.api_key,
        "timestamp": timestamp_ms,
        "nonce": used_nonce,
        "signature": sign(credentials.api_key, credentials.api_secret, used_nonce),
    }
    return json.dumps([LOGIN, body])


def decode_frame(text: str | bytes) -> WsEvent | None:
    """One frame -> event; None for unknown types. Raises MalformedFrame."""
    try:
        message = json.loads(text, parse_float=Decimal)
    except ValueError as e:
        raise MalformedFrame(f"not JSON: {e}") from e
    if not (isinstance(message, list) and len(message) == 2 and isinstance(message[1], dict)):
        raise MalformedFrame("expected [type, {...}]")
    model, body = message
    if not isinstance(model, int) or isinstance(model, bool):
        raise MalformedFrame(f"type {model!r} is not an integer")
    parser = _PARSERS.get(model)
    if parser is None:
        return None
    try:
        return parser(body)
    except MalformedFrame as e:
        raise MalformedFrame(f"{model}: {e}") from e
    except (NotADecimal, TypeError, ValueError, AttributeError) as e:
        raise MalformedFrame(f"{model}: {e}") from e


class FrameDecoder:
    """decode_frame that counts malformed frames instead of raising; `last_error` says why."""

    def __init__(self) -> None:
        self.malformed = 0
        self.last_error: str | None = None

    def decode(self, text: str | bytes) -> WsEvent | None:
        try:
            return decode_frame(text)
        except MalformedFrame as e:
            self.malformed += 1
            self.last_error = str(e)
            return None


def _welcome(body: Body) -> Welcome:
    return Welcome(current=str(body.get("current", "")), minimum=str(body.get("min", "")))


def _result(body: Body) -> SubscriptionResult:
    return SubscriptionResult(ok=_ok(body), message=str(body.get("message") or ""))


def _login(body: Body) -> LoginResult:
    return LoginResult(ok=_ok(body), message=str(body.get("message") or ""))


def _ok(body: Body) -> bool:
    value = body.get("ok", body.get("OK"))
    return value is True or (isinstance(value, str) and value.lower() == "true")


def _ticker(body: Body) -> TickerUpdated:
    return TickerUpdated(
        symbol=string(body, "PS"),
        bid=decimal(body, "B"),
        ask=decimal(body, "A"),
        last=decimal(body, "LA"),
        bid_quantity=optional_decimal(body, "BA"),
        ask_quantity=optional_decimal(body, "AA"),
        volume=optional_decimal(body, "V"),
        ts_ms=optional_ms(body, "timestamp"),  # `D` is the daily change here, not a time
    )


def _trade(item: Body, symbol: str) -> PublicTrade:
    side = item.get("S")
    return PublicTrade(
        symbol=symbol,
        trade_id=str(required(item, "I")),
        price=decimal(item, "P"),
        quantity=decimal(item, "A"),
        side_flag=side if isinstance(side, int) and not isinstance(side, bool) else None,
        ts_ms=optional_ms(item, "D"),
    )


def _trade_list(body: Body) -> TradesListed:
    symbol = string(body, "symbol") if "symbol" in body else string(body, "event")
    items = required(body, "items")
    if not isinstance(items, list) or not all(isinstance(item, dict) for item in items):
        raise MalformedFrame("items: expected a list of objects")
    return TradesListed(symbol=symbol, trades=tuple(_trade(item, symbol) for item in items))


def _trade_single(body: Body) -> TradeHappened:
    symbol = string(body, "PS") if "PS" in body else string(body, "event")
    return TradeHappened(trade=_trade(body, symbol))


def _book_full(body: Body) -> BookSnapshotReceived:
    return BookSnapshotReceived(
        symbol=string(body, "PS"),
        changeset=integer(body, "CS"),
        bids=tuple(_level(row) for row in _rows(body, "BO")),
        asks=tuple(_level(row) for row in _rows(body, "AO")),
        ts_ms=optional_ms(body, "timestamp"),
    )


def _book_diff(body: Body) -> BookDiffReceived:
    return BookDiffReceived(
        symbol=string(body, "PS"),
        changeset=integer(body, "CS"),
        bids=tuple(_change(row) for row in _rows(body, "BO")),
        asks=tuple(_change(row) for row in _rows(body, "AO")),
        ts_ms=optional_ms(body, "timestamp"),
    )


def _rows(body: Body, key: str) -> list[Body]:
    rows = body.get(key) or []
    if not isinstance(rows, list) or not all(isinstance(row, dict) for row in rows):
        raise MalformedFrame(f"{key}: expected a list of {{A, P}} objects")
    return rows


def _level(row: Body) -> BookLevel:
    return BookLevel(price=decimal(row, "P"), quantity=decimal(row, "A"))


def _change(row: Body) -> LevelChanged:
    raw = integer(row, "CP")
    try:
        change = LevelChange(raw)
    except ValueError as e:
        raise MalformedFrame(f"CP: unknown change type {raw}") from e
    return LevelChanged(change=change, price=decimal(row, "P"), quantity=decimal(row, "A"))


_PARSERS: dict[int, Callable[[Body], WsEvent]] = {
    991: _welcome,
    100: _result,
    114: _login,
    402: _ticker,
    421: _trade_list,
    422: _trade_single,
    431: _book_full,
    432: _book_diff,
    **private.PARSERS,
}
