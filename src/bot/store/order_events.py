"""Ledger events of orders: this ledger's (write-ahead, outcome, status, fill) and foreign ones.

See `bot.store.ledger_events` for what every event class provides.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from decimal import Decimal
from typing import ClassVar, Self

from bot.domain.events import EventType
from bot.domain.orders import Fill, Side
from bot.store.errors import StoreError
from bot.store.event_codec import decimal_text, side_of
from bot.store.payloads import Fields, Payload


@dataclass(frozen=True, slots=True, kw_only=True)
class OrderSubmitRequested:
    """The write-ahead intent: recorded and committed before the order is sent."""

    TYPE: ClassVar[EventType] = EventType.ORDER_SUBMIT_REQUESTED
    client_order_id: str
    cycle_id: int
    symbol: str
    side: Side
    price: Decimal
    quantity: Decimal
    ts_ms: int

    def payload(self) -> Payload:
        return {
            "client_order_id": self.client_order_id,
            "cycle_id": self.cycle_id,
            "price": decimal_text(self.price),
            "quantity": decimal_text(self.quantity),
            "side": self.side.value,
            "symbol": self.symbol,
            "ts_ms": self.ts_ms,
        }

    @classmethod
    def parse(cls, f: Fields) -> OrderSubmitRequested:
        return cls(
            client_order_id=f.text("client_order_id"),
            cycle_id=f.integer("cycle_id"),
            symbol=f.text("symbol"),
            side=side_of(f),
            price=f.decimal("price"),
            quantity=f.decimal("quantity"),
            ts_ms=f.integer("ts_ms"),
        )


@dataclass(frozen=True, slots=True, kw_only=True)
class OrderAccepted:
    TYPE: ClassVar[EventType] = EventType.ORDER_ACCEPTED
    client_order_id: str
    exchange_order_id: str
    ts_ms: int

    def payload(self) -> Payload:
        return {
            "client_order_id": self.client_order_id,
            "exchange_order_id": self.exchange_order_id,
            "ts_ms": self.ts_ms,
        }

    @classmethod
    def parse(cls, f: Fields) -> OrderAccepted:
        return cls(
            client_order_id=f.text("client_order_id"),
            exchange_order_id=f.text("exchange_order_id"),
            ts_ms=f.integer("ts_ms"),
        )


@dataclass(frozen=True, slots=True, kw_only=True)
class OrderRejected:
    """Refused by the exchange, never sent, or settled by the operator as not placed."""

    TYPE: ClassVar[EventType] = EventType.ORDER_REJECTED
    client_order_id: str
    code: int | None
    message: str
    ts_ms: int

    def payload(self) -> Payload:
        return {
            "client_order_id": self.client_order_id,
            "code": self.code,
            "message": self.message,
            "ts_ms": self.ts_ms,
        }

    @classmethod
    def parse(cls, f: Fields) -> OrderRejected:
        code = f.raw("code")
        if code is not None and (isinstance(code, bool) or not isinstance(code, int)):
            raise f.error("code", "an integer or null")
        return cls(
            client_order_id=f.text("client_order_id"),
            code=code,
            message=f.text("message"),
            ts_ms=f.integer("ts_ms"),
        )


@dataclass(frozen=True, slots=True, kw_only=True)
class OrderNote:
    """An order status event carrying an optional explanation."""

    TYPE: ClassVar[EventType]
    client_order_id: str
    message: str | None
    ts_ms: int

    def payload(self) -> Payload:
        return {"client_order_id": self.client_order_id, "message": self.message, "ts_ms": self.ts_ms}

    @classmethod
    def parse(cls, f: Fields) -> Self:
        return cls(
            client_order_id=f.text("client_order_id"),
            message=f.optional_text("message"),
            ts_ms=f.integer("ts_ms"),
        )


@dataclass(frozen=True, slots=True, kw_only=True)
class OrderSubmitUncertain(OrderNote):
    """The submit's outcome is not known (timeout, lost response): resolved by lookup only."""

    TYPE: ClassVar[EventType] = EventType.ORDER_SUBMIT_UNCERTAIN


@dataclass(frozen=True, slots=True, kw_only=True)
class OrderMarkedUnknown(OrderNote):
    """Lookups could not find it within the window: its symbol freezes until it is resolved."""

    TYPE: ClassVar[EventType] = EventType.ORDER_MARKED_UNKNOWN


@dataclass(frozen=True, slots=True, kw_only=True)
class OrderMissingOnExchange(OrderNote):
    """Neither open nor found by lookup: the order becomes uncertain."""

    TYPE: ClassVar[EventType] = EventType.ORDER_MISSING_ON_EXCHANGE


@dataclass(frozen=True, slots=True, kw_only=True)
class OrderCancelRequested:
    TYPE: ClassVar[EventType] = EventType.ORDER_CANCEL_REQUESTED
    client_order_id: str
    reason: str | None
    ts_ms: int

    def payload(self) -> Payload:
        return {"client_order_id": self.client_order_id, "reason": self.reason, "ts_ms": self.ts_ms}

    @classmethod
    def parse(cls, f: Fields) -> OrderCancelRequested:
        return cls(
            client_order_id=f.text("client_order_id"),
            reason=f.optional_text("reason"),
            ts_ms=f.integer("ts_ms"),
        )


@dataclass(frozen=True, slots=True, kw_only=True)
class OrderCanceled:
    TYPE: ClassVar[EventType] = EventType.ORDER_CANCELED
    client_order_id: str
    ts_ms: int

    def payload(self) -> Payload:
        return {"client_order_id": self.client_order_id, "ts_ms": self.ts_ms}

    @classmethod
    def parse(cls, f: Fields) -> OrderCanceled:
        return cls(client_order_id=f.text("client_order_id"), ts_ms=f.integer("ts_ms"))


@dataclass(frozen=True, slots=True, kw_only=True)
class OrderFilled:
    """A trade: of one of this ledger's orders (`fill.client_order_id`), or of none (None).

    `base` and `quote` name the assets whose balances the fill moves.
    """

    TYPE: ClassVar[EventType] = EventType.ORDER_FILLED
    fill: Fill
    base: str
    quote: str

    @property
    def ts_ms(self) -> int:
        return self.fill.ts_ms

    @classmethod
    def of(cls, fill: Fill, *, base: str, quote: str, client_order_id: str | None) -> OrderFilled:
        return cls(fill=replace(fill, client_order_id=client_order_id), base=base, quote=quote)

    def payload(self) -> Payload:
        fill = self.fill
        return {
            "base": self.base,
            "client_order_id": fill.client_order_id,
            "exchange_order_id": fill.exchange_order_id,
            "fee": decimal_text(fill.fee),
            "fee_asset": fill.fee_asset,
            "price": decimal_text(fill.price),
            "quantity": decimal_text(fill.quantity),
            "quote": self.quote,
            "side": fill.side.value,
            "symbol": fill.symbol,
            "tax": decimal_text(fill.tax),
            "trade_id": fill.trade_id,
            "ts_ms": fill.ts_ms,
        }

    @classmethod
    def parse(cls, f: Fields) -> OrderFilled:
        side = side_of(f)  # first: the field a damaged trade report most often gets wrong
        fill = Fill(
            trade_id=f.text("trade_id"),
            exchange_order_id=f.text("exchange_order_id"),
            client_order_id=f.optional_text("client_order_id"),
            symbol=f.text("symbol"),
            side=side,
            price=f.decimal("price"),
            quantity=f.decimal("quantity"),
            fee=f.decimal("fee"),
            tax=f.decimal("tax"),
            fee_asset=f.text("fee_asset"),
            ts_ms=f.integer("ts_ms"),
        )
        return cls(fill=fill, base=f.text("base"), quote=f.text("quote"))

    def check(self) -> None:
        """Raise StoreError unless the quantity and price are positive and fee and tax not negative."""
        fill = self.fill
        if fill.quantity <= 0 or fill.price <= 0 or fill.fee < 0 or fill.tax < 0:
            raise StoreError(
                f"{self.TYPE} payload: 'quantity' must be a positive quantity and price with"
                f" non-negative fee and tax, got quantity {fill.quantity}, price {fill.price},"
                f" fee {fill.fee}, tax {fill.tax}"
            )


@dataclass(frozen=True, slots=True, kw_only=True)
class ForeignOrderSeen:
    """An open order on the account that no order of this ledger is."""

    TYPE: ClassVar[EventType] = EventType.FOREIGN_ORDER_SEEN
    exchange_order_id: str
    client_order_id: str | None
    symbol: str
    side: Side
    price: Decimal
    quantity: Decimal
    ts_ms: int

    def payload(self) -> Payload:
        return {
            "client_order_id": self.client_order_id,
            "exchange_order_id": self.exchange_order_id,
            "price": decimal_text(self.price),
            "quantity": decimal_text(self.quantity),
            "side": self.side.value,
            "symbol": self.symbol,
            "ts_ms": self.ts_ms,
        }

    @classmethod
    def parse(cls, f: Fields) -> ForeignOrderSeen:
        return cls(
            exchange_order_id=f.text("exchange_order_id"),
            client_order_id=f.optional_text("client_order_id"),
            symbol=f.text("symbol"),
            side=side_of(f),
            price=f.decimal("price"),
            quantity=f.decimal("quantity"),
            ts_ms=f.integer("ts_ms"),
        )


@dataclass(frozen=True, slots=True, kw_only=True)
class ForeignOrderGone:
    TYPE: ClassVar[EventType] = EventType.FOREIGN_ORDER_GONE
    exchange_order_id: str
    ts_ms: int

    def payload(self) -> Payload:
        return {"exchange_order_id": self.exchange_order_id, "ts_ms": self.ts_ms}

    @classmethod
    def parse(cls, f: Fields) -> ForeignOrderGone:
        return cls(exchange_order_id=f.text("exchange_order_id"), ts_ms=f.integer("ts_ms"))
