"""Wire schemas: BTCTurk's JSON shapes, validated with pydantic (protocol §2.1, §3, §5, §6, §12).

Attribute names are snake_case; aliases are BTCTurk's field names, so validation errors name the
field as it appears on the wire. Every variant §12 lists is accepted here and nowhere else:
ids as int or string, scales as int or string, `type`/`status` in any casing, `code` as int, "0"
or "". Decimals arrive as `Decimal` because bodies are decoded with `parse_float=Decimal`.
"""

from __future__ import annotations

from decimal import Decimal
from enum import StrEnum
from typing import Annotated, Any

from pydantic import AliasChoices, BaseModel, BeforeValidator, ConfigDict, Field, field_validator
from pydantic.alias_generators import to_camel

from bot.domain.orders import Side


def _id_text(value: object) -> object:
    """Order and trade ids are ints in most samples and strings in others; carry them as text."""
    if isinstance(value, int) and not isinstance(value, bool):
        return str(value)
    return value


def _code_number(value: object) -> object:
    """`code` is an int, "0", or "" (§3); anything non-numeric carries no code."""
    if isinstance(value, str):
        return int(value) if value.strip().lstrip("-").isdigit() else None
    return value


def _lowered(value: object) -> object:
    return value.lower() if isinstance(value, str) else value


WireId = Annotated[str, BeforeValidator(_id_text), Field(min_length=1)]
WireCode = Annotated[int | None, BeforeValidator(_code_number)]
WireSide = Annotated[Side, BeforeValidator(_lowered)]


class WireOrderStatus(StrEnum):
    UNTOUCHED = "untouched"
    PARTIAL = "partial"
    CLOSED = "closed"
    CANCELED = "canceled"


WireStatus = Annotated[WireOrderStatus, BeforeValidator(_lowered)]


class WireModel(BaseModel):
    model_config = ConfigDict(alias_generator=to_camel, populate_by_name=True, frozen=True, extra="ignore")


class Envelope(WireModel):
    success: bool
    message: str | None = None
    code: WireCode = None
    data: Any = None


class ServerTime(WireModel):
    server_time: int


class TickerRow(WireModel):
    pair: str
    timestamp: int
    last: Decimal
    bid: Decimal
    ask: Decimal
    volume: Decimal


class OrderBookData(WireModel):
    timestamp: int
    bids: list[tuple[Decimal, Decimal]]
    asks: list[tuple[Decimal, Decimal]]


class SymbolFilter(WireModel):
    """Only PRICE_FILTER is seen in real data; its fields are optional here and checked on use."""

    filter_type: str
    min_price: Decimal | None = None
    max_price: Decimal | None = None
    tick_size: Decimal | None = None
    min_exchange_value: Decimal | None = None
    min_amount: Decimal | None = None


class SymbolRow(WireModel):
    name: str
    status: str
    numerator: str
    denominator: str
    numerator_scale: int
    denominator_scale: int
    has_fraction: bool
    filters: list[SymbolFilter]
    minimum_limit_order_price: Decimal | None = None
    maximum_limit_order_price: Decimal | None = None


class ExchangeInfoData(WireModel):
    symbols: list[SymbolRow]


class BalanceRow(WireModel):
    asset: str
    balance: Decimal
    locked: Decimal
    free: Decimal
    timestamp: int | None = None


class OrderRow(WireModel):
    id: WireId
    price: Decimal
    quantity: Decimal | None = None
    amount: Decimal | None = None
    left_amount: Decimal | None = None
    pair_symbol: str = Field(validation_alias=AliasChoices("pairSymbol", "pairsymbol"))
    side: WireSide = Field(alias="type")
    order_client_id: str | None = None
    time: int = 0
    update_time: int = 0
    status: WireStatus


class OpenOrdersData(WireModel):
    asks: list[OrderRow] = Field(default_factory=list)
    bids: list[OrderRow] = Field(default_factory=list)


class SubmitData(WireModel):
    id: WireId
    datetime: int | None = None
    new_order_client_id: str | None = None


class TradeRow(WireModel):
    id: WireId
    order_id: WireId
    timestamp: int
    numerator_symbol: str
    denominator_symbol: str
    order_type: WireSide
    price: Decimal = Field(gt=0)
    amount: Decimal  # negative for sells
    precise_amount: Decimal | None = None  # newer responses; a JSON number
    fee: Decimal  # negative: a deduction
    tax: Decimal  # negative: a deduction
    order_client_id: str | None = None

    @field_validator("amount", "precise_amount")
    @classmethod
    def _not_zero(cls, value: Decimal | None) -> Decimal | None:
        if value is not None and value == 0:
            raise ValueError("a trade of zero quantity")
        return value


class KlinesData(WireModel):
    """§5.8: TradingView arrays (`t` in seconds); `s` is "ok", "no_data" or "error" (`errmsg`)."""

    s: str
    t: list[int] = Field(default_factory=list)
    o: list[Decimal] = Field(default_factory=list)
    h: list[Decimal] = Field(default_factory=list)
    l: list[Decimal] = Field(default_factory=list)  # noqa: E741 (BTCTurk's name for the lows)
    c: list[Decimal] = Field(default_factory=list)
    v: list[Decimal] = Field(default_factory=list)
    errmsg: str | None = None
