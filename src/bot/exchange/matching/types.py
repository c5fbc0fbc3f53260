"""The matching engine's own values: fee schedule, rejections, order and trade records."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from enum import StrEnum

from bot.domain.money import exact_product
from bot.domain.orders import ExchangeOrder, Fill, OrderStatus, Side

FEE_QUANTUM = Decimal("0.00000001")


@dataclass(frozen=True, slots=True, kw_only=True)
class FeeSchedule:
    """Fee rates as ratios of the notional; `tax_rate` is a ratio OF THE FEE (BTCTurk's BSMV)."""

    maker_rate: Decimal = Decimal("0.0005")
    taker_rate: Decimal = Decimal("0.0009")
    tax_rate: Decimal = Decimal(0)

    def fee(self, notional: Decimal, *, maker: bool) -> Decimal:
        """notional * rate, rounded half-up to 8 decimals."""
        rate = self.maker_rate if maker else self.taker_rate
        return exact_product(notional, rate).quantize(FEE_QUANTUM, rounding=ROUND_HALF_UP)

    def tax(self, fee: Decimal) -> Decimal:
        """fee * tax_rate, rounded half-up to 8 decimals."""
        return exact_product(fee, self.tax_rate).quantize(FEE_QUANTUM, rounding=ROUND_HALF_UP)


class RejectToken(StrEnum):
    """BTCTurk error tokens the engine raises. Codes are in `REJECT_CODES`."""

    FAILED_LIMIT_ORDER = "FAILED_LIMIT_ORDER"
    FAILED_ORDER_PARAMETER = "FAILED_ORDER_PARAMETER"
    FAILED_ORDER_WITH_OPEN_ORDERS = "FAILED_ORDER_WITH_OPEN_ORDERS"
    BALANCE_NOT_ENOUGH = "BALANCE_NOT_ENOUGH"
    FAILED_MIN_TOTAL_AMOUNT = "FAILED_MIN_TOTAL_AMOUNT"
    FAILED_INVALID_PRICE_SCALE = "FAILED_INVALID_PRICE_SCALE"
    FAILED_INVALID_QUANTITY_SCALE = "FAILED_INVALID_QUANTITY_SCALE"
    PRICE_MUST_BE_LESS_THAN_MAXPRICE = "PRICE_MUST_BE_LESS_THAN_MAXPRICE"
    PRICE_MUST_BE_LESS_THAN_MINPRICE = "PRICE_MUST_BE_LESS_THAN_MINPRICE"
    NO_ORDER_MATCHES_YOUR_REQUEST = "NO_ORDER_MATCHES_YOUR_REQUEST"
    ORDER_COULD_NOT_BE_CANCELED = "ORDER_COULD_NOT_BE_CANCELED"


# Documented codes (docs/btcturk-protocol.md §10, May 2024). Tokens BTCTurk publishes without a numeric
# code get 400, mirroring the HTTP status (as TOO_MANY_REQUESTS carries 429); BALANCE_NOT_ENOUGH
# shares 1122 with FAILED_ORDER_WITH_OPEN_ORDERS so clients keying on the code see "insufficient funds".
UNDOCUMENTED_CODE = 400
REJECT_CODES: dict[RejectToken, int] = {
    RejectToken.FAILED_LIMIT_ORDER: 1120,
    RejectToken.FAILED_ORDER_PARAMETER: UNDOCUMENTED_CODE,
    RejectToken.FAILED_ORDER_WITH_OPEN_ORDERS: 1122,
    RejectToken.BALANCE_NOT_ENOUGH: 1122,
    RejectToken.FAILED_MIN_TOTAL_AMOUNT: 1123,
    RejectToken.FAILED_INVALID_PRICE_SCALE: 1126,
    RejectToken.FAILED_INVALID_QUANTITY_SCALE: 1127,
    RejectToken.PRICE_MUST_BE_LESS_THAN_MAXPRICE: 1226,
    RejectToken.PRICE_MUST_BE_LESS_THAN_MINPRICE: 1227,
    RejectToken.NO_ORDER_MATCHES_YOUR_REQUEST: UNDOCUMENTED_CODE,
    RejectToken.ORDER_COULD_NOT_BE_CANCELED: UNDOCUMENTED_CODE,
}


class EngineReject(Exception):
    """The engine refused a request the way BTCTurk would: `token` (message), `code`, detail."""

    def __init__(self, token: str, code: int, message: str) -> None:
        super().__init__(f"{token} ({code}): {message}")
        self.token = token
        self.code = code
        self.message = message

    @classmethod
    def of(cls, token: RejectToken, message: str) -> EngineReject:
        return cls(token.value, REJECT_CODES[token], message)


@dataclass(frozen=True, slots=True, kw_only=True)
class EngineOrder:
    """A snapshot of one engine order. `status` is OPEN, PARTIALLY_FILLED, FILLED or CANCELED."""

    order_id: int
    account_id: str
    client_order_id: str | None
    symbol: str
    side: Side
    price: Decimal
    quantity: Decimal
    filled_quantity: Decimal
    status: OrderStatus
    created_ms: int
    updated_ms: int
    locked: Decimal  # funds still reserved by this order, in `lock_asset`
    lock_asset: str

    @property
    def remaining_quantity(self) -> Decimal:
        return self.quantity - self.filled_quantity

    @property
    def is_open(self) -> bool:
        return self.status in (OrderStatus.OPEN, OrderStatus.PARTIALLY_FILLED)

    def to_domain(self) -> ExchangeOrder:
        return ExchangeOrder(
            exchange_order_id=str(self.order_id),
            client_order_id=self.client_order_id,
            symbol=self.symbol,
            side=self.side,
            price=self.price,
            quantity=self.quantity,
            remaining_quantity=self.remaining_quantity,
            status=self.status,
            created_ms=self.created_ms,
            updated_ms=self.updated_ms,
        )


@dataclass(frozen=True, slots=True, kw_only=True)
class EngineTrade:
    """One fill of one order. Quantity, fee and tax are positive; fee and tax are in `fee_asset`."""

    trade_id: int
    order_id: int
    account_id: str
    client_order_id: str | None
    symbol: str
    side: Side
    price: Decimal
    quantity: Decimal
    fee: Decimal
    tax: Decimal
    fee_asset: str
    maker: bool
    ts_ms: int

    @property
    def notional(self) -> Decimal:
        return exact_product(self.price, self.quantity)

    def to_domain(self) -> Fill:
        return Fill(
            trade_id=str(self.trade_id),
            exchange_order_id=str(self.order_id),
            client_order_id=self.client_order_id,
            symbol=self.symbol,
            side=self.side,
            price=self.price,
            quantity=self.quantity,
            fee=self.fee,
            tax=self.tax,
            fee_asset=self.fee_asset,
            ts_ms=self.ts_ms,
        )
