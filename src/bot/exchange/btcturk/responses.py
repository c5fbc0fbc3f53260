"""Sans-IO response parsers: (status, headers, body, endpoint) → domain values, or a classified error.

Each parser validates the wire schema (`wire`), then translates to domain types. Nothing past this
module sees a raw dict. Malformed payloads raise MalformedPayload naming the endpoint and field.
"""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal

from pydantic import TypeAdapter

from bot.domain.account import Balance
from bot.domain.market import BookLevel, Candle, OrderBook, Ticker
from bot.domain.money import ZERO
from bot.domain.orders import ExchangeOrder, Fill, OrderStatus, SubmitAck
from bot.domain.symbols import PairRules
from bot.exchange.btcturk import wire
from bot.exchange.btcturk.codec import classify, decode_json, open_envelope, validate
from bot.exchange.errors import MalformedPayload, Rejected

Headers = Mapping[str, str]

_SERVER_TIME = TypeAdapter(wire.ServerTime)
_TICKERS = TypeAdapter(list[wire.TickerRow])
_BOOK = TypeAdapter(wire.OrderBookData)
_EXCHANGE_INFO = TypeAdapter(wire.ExchangeInfoData)
_BALANCES = TypeAdapter(list[wire.BalanceRow])
_OPEN_ORDERS = TypeAdapter(wire.OpenOrdersData)
_ORDERS = TypeAdapter(list[wire.OrderRow])
_SUBMIT = TypeAdapter(wire.SubmitData)
_TRADES = TypeAdapter(list[wire.TradeRow])
_KLINES = TypeAdapter(wire.KlinesData)

_STATUS = {
    wire.WireOrderStatus.UNTOUCHED: OrderStatus.OPEN,
    wire.WireOrderStatus.PARTIAL: OrderStatus.PARTIALLY_FILLED,
    wire.WireOrderStatus.CLOSED: OrderStatus.FILLED,
    wire.WireOrderStatus.CANCELED: OrderStatus.CANCELED,
}


def pair_id(symbol: str) -> str:
    """'BTC_TRY' and 'btctry' → 'BTCTRY' (both spellings are accepted by BTCTurk, §2)."""
    return symbol.replace("_", "").upper()


def parse_server_time(status: int, headers: Headers, body: bytes, endpoint: str) -> int:
    """Server epoch ms. The response is bare `{serverTime, ...}` or, from some servers, enveloped."""
    if not 200 <= status < 300:
        raise classify(status, headers, body, endpoint)
    payload = decode_json(body, endpoint)
    if isinstance(payload, dict) and "serverTime" in payload:
        return validate(_SERVER_TIME, payload, endpoint, prefix="").server_time
    data = open_envelope(status, headers, body, endpoint)
    return validate(_SERVER_TIME, data, endpoint).server_time


def parse_ticker(status: int, headers: Headers, body: bytes, endpoint: str, *, symbol: str) -> Ticker:
    rows = validate(_TICKERS, open_envelope(status, headers, body, endpoint), endpoint)
    wanted = pair_id(symbol)
    for row in rows:
        if pair_id(row.pair) == wanted:
            return Ticker(
                symbol=wanted, bid=row.bid, ask=row.ask, last=row.last, volume=row.volume, ts_ms=row.timestamp
            )
    raise MalformedPayload(f"no ticker row for {wanted}", endpoint=endpoint, field="data")


def parse_order_book(status: int, headers: Headers, body: bytes, endpoint: str, *, symbol: str) -> OrderBook:
    book = validate(_BOOK, open_envelope(status, headers, body, endpoint), endpoint)
    return OrderBook(
        symbol=pair_id(symbol),
        bids=tuple(BookLevel(price=price, quantity=amount) for price, amount in book.bids),
        asks=tuple(BookLevel(price=price, quantity=amount) for price, amount in book.asks),
        ts_ms=book.timestamp,
    )


def parse_exchange_info(status: int, headers: Headers, body: bytes, endpoint: str) -> dict[str, PairRules]:
    """PairRules keyed by pair id ('BTCTRY'). A pair without a usable PRICE_FILTER is malformed."""
    info = validate(_EXCHANGE_INFO, open_envelope(status, headers, body, endpoint), endpoint)
    rules = (_pair_rules(row, f"data.symbols[{i}]", endpoint) for i, row in enumerate(info.symbols))
    return {rule.symbol: rule for rule in rules}


def _pair_rules(row: wire.SymbolRow, where: str, endpoint: str) -> PairRules:
    index, price_filter = next(
        ((i, f) for i, f in enumerate(row.filters) if f.filter_type.upper() == "PRICE_FILTER"), (-1, None)
    )
    if price_filter is None:
        raise MalformedPayload("no PRICE_FILTER", endpoint=endpoint, field=f"{where}.filters")
    at = f"{where}.filters[{index}]"
    tick_size = _required(price_filter.tick_size, f"{at}.tickSize", endpoint)
    min_exchange_value = _required(price_filter.min_exchange_value, f"{at}.minExchangeValue", endpoint)
    min_price = row.minimum_limit_order_price or _required(price_filter.min_price, f"{at}.minPrice", endpoint)
    max_price = row.maximum_limit_order_price or _required(price_filter.max_price, f"{at}.maxPrice", endpoint)
    return PairRules(
        symbol=pair_id(row.name),
        base=row.numerator,
        quote=row.denominator,
        quantity_scale=row.numerator_scale,
        price_scale=row.denominator_scale if row.has_fraction else 0,
        tick_size=tick_size,
        min_notional=max(min_exchange_value, price_filter.min_amount or ZERO),
        min_price=min_price,
        max_price=max_price,
        trading=row.status.upper() == "TRADING",
    )


def _required(value: Decimal | None, field: str, endpoint: str) -> Decimal:
    if value is None:
        raise MalformedPayload("missing value", endpoint=endpoint, field=field)
    return value


def parse_balances(status: int, headers: Headers, body: bytes, endpoint: str) -> dict[str, Balance]:
    rows = validate(_BALANCES, open_envelope(status, headers, body, endpoint), endpoint)
    return {
        row.asset.upper(): Balance(
            asset=row.asset.upper(), total=row.balance, free=row.free, locked=row.locked
        )
        for row in rows
    }


def parse_open_orders(status: int, headers: Headers, body: bytes, endpoint: str) -> list[ExchangeOrder]:
    data = validate(_OPEN_ORDERS, open_envelope(status, headers, body, endpoint), endpoint)
    asks = [_exchange_order(row, f"data.asks[{i}]", endpoint) for i, row in enumerate(data.asks)]
    bids = [_exchange_order(row, f"data.bids[{i}]", endpoint) for i, row in enumerate(data.bids)]
    return asks + bids


def parse_orders(status: int, headers: Headers, body: bytes, endpoint: str) -> list[ExchangeOrder]:
    """allOrders: an array of order objects of any status."""
    rows = validate(_ORDERS, open_envelope(status, headers, body, endpoint), endpoint)
    return [_exchange_order(row, f"data[{i}]", endpoint) for i, row in enumerate(rows)]


def _exchange_order(row: wire.OrderRow, where: str, endpoint: str) -> ExchangeOrder:
    quantity = row.quantity if row.quantity is not None else row.amount
    if quantity is None:
        raise MalformedPayload("neither quantity nor amount", endpoint=endpoint, field=f"{where}.quantity")
    status = _STATUS[row.status]
    remaining = row.left_amount
    if remaining is None:
        # Old samples lack leftAmount: a filled order has nothing left; otherwise assume all of it.
        remaining = ZERO if status is OrderStatus.FILLED else quantity
    return ExchangeOrder(
        exchange_order_id=row.id,
        client_order_id=row.order_client_id or None,
        symbol=pair_id(row.pair_symbol),
        side=row.side,
        price=row.price,
        quantity=quantity,
        remaining_quantity=remaining,
        status=status,
        created_ms=row.time or row.update_time,  # `time` is 0 in real responses (§6.2)
        updated_ms=row.update_time or row.time,
    )


def parse_submit(
    status: int, headers: Headers, body: bytes, endpoint: str, *, fallback_ts_ms: int = 0
) -> SubmitAck:
    """The acknowledgement of a placed order; `fallback_ts_ms` stands in if `datetime` is absent."""
    data = validate(_SUBMIT, open_envelope(status, headers, body, endpoint), endpoint)
    return SubmitAck(
        exchange_order_id=data.id,
        client_order_id=data.new_order_client_id or None,
        ts_ms=data.datetime or fallback_ts_ms,
    )


def parse_cancel(status: int, headers: Headers, body: bytes, endpoint: str) -> None:
    """A cancel is accepted when `success` is true; `data` is absent or null (§6.4)."""
    open_envelope(status, headers, body, endpoint)


def parse_user_trades(status: int, headers: Headers, body: bytes, endpoint: str) -> list[Fill]:
    """Our fills. Amount, fee and tax are signed on the wire; the domain carries magnitudes."""
    rows = validate(_TRADES, open_envelope(status, headers, body, endpoint), endpoint)
    return [_fill(row) for row in rows]


def _fill(row: wire.TradeRow) -> Fill:
    amount = row.precise_amount if row.precise_amount is not None else row.amount
    return Fill(
        trade_id=row.id,
        exchange_order_id=row.order_id,
        client_order_id=row.order_client_id or None,
        symbol=pair_id(row.numerator_symbol + row.denominator_symbol),
        side=row.order_type,
        price=row.price,
        quantity=abs(amount),
        fee=abs(row.fee),
        tax=abs(row.tax),
        fee_asset=row.denominator_symbol.upper(),
        ts_ms=row.timestamp,
    )


def parse_klines(status: int, headers: Headers, body: bytes, endpoint: str, *, symbol: str) -> list[Candle]:
    """graph-api candles (§5.8), in the order sent; `no_data` is no candles. `{"s": "error"}` (an
    unknown resolution, a refused window) raises Rejected with its `errmsg`: it is not retried."""
    answered = 200 <= status < 300
    if not answered and status not in (400, 422):
        raise classify(status, headers, body, endpoint)
    try:
        payload = decode_json(body, endpoint)
    except MalformedPayload:
        if answered:
            raise
        raise classify(status, headers, body, endpoint) from None
    if isinstance(payload, dict) and payload.get("s") == "error":
        message = str(payload.get("errmsg") or f"HTTP {status}")
        raise Rejected(message, endpoint=endpoint, token=message)
    if not answered:
        raise classify(status, headers, body, endpoint)
    data = validate(_KLINES, payload, endpoint, prefix="")
    if data.s == "no_data":
        return []
    if data.s != "ok":
        raise MalformedPayload(f"unknown status {data.s!r}", endpoint=endpoint, field="s")
    columns = (data.o, data.h, data.l, data.c, data.v)
    if any(len(column) != len(data.t) for column in columns):
        raise MalformedPayload("t, o, h, l, c and v differ in length", endpoint=endpoint, field="t")
    wanted = pair_id(symbol)
    return [
        Candle(symbol=wanted, ts_ms=t * 1000, open=o, high=h, low=low, close=c, volume=v)
        for t, o, h, low, c, v in zip(data.t, *columns, strict=True)
    ]
