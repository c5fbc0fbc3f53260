"""Decoders for the private (user) models (protocol §11.5): 451/452/453, 441 and 423."""

from __future__ import annotations

from collections.abc import Callable

from bot.domain.money import ZERO
from bot.domain.orders import Side
from bot.exchange.btcturk.ws.events import (
    OrderDeleted,
    OrderEvent,
    OrderInserted,
    OrderMatched,
    OrderUpdated,
    UserTradeReported,
)
from bot.exchange.btcturk.ws.fields import (
    Body,
    MalformedFrame,
    decimal,
    integer,
    optional_decimal,
    optional_ms,
    optional_text,
)

ORDER_SIDES = {0: Side.BUY, 1: Side.SELL}  # 451-453 `orderType`; undocumented (LOW, §11.5)


def _order(kind: type[OrderEvent]) -> Callable[[Body], OrderEvent]:
    def parse(body: Body) -> OrderEvent:
        side = body.get("orderType")
        return kind(
            order_id=str(integer(body, "id")),
            client_order_id=optional_text(body, "newOrderClientId"),
            symbol=_symbol(body, "symbol"),
            side=ORDER_SIDES.get(side) if isinstance(side, int) else None,
            price=decimal(body, "price"),
            quantity=decimal(body, "amount"),
            remaining_quantity=decimal(body, "numLeft"),
            ts_ms=optional_ms(body, "timestamp"),
        )

    return parse


def _match(body: Body) -> OrderMatched:
    is_bid = body.get("isBid")
    if not isinstance(is_bid, bool):
        raise MalformedFrame("isBid: expected true or false")
    trade_id = body.get("tradeId")
    return OrderMatched(
        order_id=str(integer(body, "id")),
        client_order_id=optional_text(body, "clientId"),
        symbol=_symbol(body, "symbol"),
        side=Side.BUY if is_bid else Side.SELL,
        price=decimal(body, "price"),
        quantity=decimal(body, "amount"),
        remaining_quantity=decimal(body, "numLeft"),
        trade_id=None if trade_id is None else str(trade_id),
        ts_ms=optional_ms(body, "timestamp"),
    )


def _user_trade(body: Body) -> UserTradeReported:
    """Amount, fee and tax are negative for outflows on the wire; they are made positive here."""
    amount = decimal(body, "amount")
    raw_side = str(body.get("orderType", "")).lower()
    # The sign of `amount` decides when orderType is missing: negative is a sell (§11.5).
    side = Side(raw_side) if raw_side in ("buy", "sell") else Side.SELL if amount < 0 else Side.BUY
    ts_ms = optional_ms(body, "timestamp")
    if ts_ms is None:
        raise MalformedFrame("timestamp: missing")
    return UserTradeReported(
        trade_id=str(integer(body, "id")),
        order_id=str(integer(body, "orderId")),
        client_order_id=optional_text(body, "orderClientId"),
        base=_symbol(body, "numeratorSymbol"),
        quote=_symbol(body, "denominatorSymbol"),
        side=side,
        price=decimal(body, "price"),
        quantity=abs(amount),
        fee=abs(decimal(body, "fee")),
        tax=abs(optional_decimal(body, "tax") or ZERO),
        ts_ms=ts_ms,
    )


def _symbol(body: Body, key: str) -> str:
    value = body.get(key)
    if not isinstance(value, str) or not value:
        raise MalformedFrame(f"{key}: expected a non-empty string")
    return value.upper()


PARSERS: dict[int, Callable[[Body], OrderEvent | OrderMatched | UserTradeReported]] = {
    451: _order(OrderInserted),
    452: _order(OrderDeleted),
    453: _order(OrderUpdated),
    441: _match,
    423: _user_trade,
}
