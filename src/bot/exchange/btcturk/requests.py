"""Sans-IO request builders: each returns the `WireRequest` for one BTCTurk endpoint (protocol §5, §6).

Nothing here touches the network or the clock; signing happens when the request is sent, because
the stamp must be fresh.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Literal

from bot.domain.money import canonical
from bot.domain.orders import SubmitOrder

Base = Literal["api", "graph"]
PAGE_LIMIT = 1000  # the documented maximum of allOrders `limit`


@dataclass(frozen=True, slots=True, kw_only=True)
class WireRequest:
    """One HTTP request. `endpoint` ('GET /api/v2/ticker') names it in errors and metrics.

    `idempotent` requests may be retried; the others never are (a lost response is uncertain).
    """

    method: str
    path: str
    endpoint: str
    params: tuple[tuple[str, str], ...] = ()
    json_body: Mapping[str, str] | None = None
    signed: bool = False
    idempotent: bool = True
    base: Base = "api"

    def body_bytes(self) -> bytes | None:
        """The JSON body exactly as sent (compact, keys in insertion order), or None."""
        if self.json_body is None:
            return None
        return json.dumps(dict(self.json_body), separators=(",", ":")).encode("utf-8")


def _request(
    method: str,
    path: str,
    *,
    params: tuple[tuple[str, str], ...] = (),
    json_body: Mapping[str, str] | None = None,
    signed: bool = False,
    idempotent: bool = True,
    base: Base = "api",
) -> WireRequest:
    return WireRequest(
        method=method,
        path=path,
        endpoint=f"{method} {path}",
        params=params,
        json_body=json_body,
        signed=signed,
        idempotent=idempotent,
        base=base,
    )


def server_time() -> WireRequest:
    return _request("GET", "/api/v2/server/time")


def exchange_info() -> WireRequest:
    return _request("GET", "/api/v2/server/exchangeinfo")


def ticker(symbol: str) -> WireRequest:
    return _request("GET", "/api/v2/ticker", params=(("pairSymbol", symbol),))


def order_book(symbol: str, limit: int) -> WireRequest:
    return _request("GET", "/api/v2/orderbook", params=(("pairSymbol", symbol), ("limit", str(limit))))


def balances() -> WireRequest:
    return _request("GET", "/api/v1/users/balances", signed=True)


def open_orders(symbol: str | None = None) -> WireRequest:
    params = (("pairSymbol", symbol),) if symbol else ()
    return _request("GET", "/api/v1/openOrders", params=params, signed=True)


def all_orders(
    symbol: str, start_ms: int | None = None, page: int = 1, limit: int = PAGE_LIMIT
) -> WireRequest:
    """Orders of every status; `start_ms` is `startTime` in ms (the documented unit)."""
    params = [("pairSymbol", symbol)]
    if start_ms is not None:
        params.append(("startTime", str(start_ms)))
    params += [("page", str(page)), ("limit", str(limit))]
    return _request("GET", "/api/v1/allOrders", params=tuple(params), signed=True)


def submit_order(order: SubmitOrder) -> WireRequest:
    """A limit order as a JSON body. Price and quantity are canonical decimal strings, never floats."""
    body = {
        "pairSymbol": order.symbol,
        "orderType": order.side.value,
        "orderMethod": "limit",
        "price": canonical(order.price),
        "quantity": canonical(order.quantity),
        "newOrderClientId": order.client_order_id,
    }
    return _request("POST", "/api/v1/order", json_body=body, signed=True, idempotent=False)


def cancel_order(exchange_order_id: str) -> WireRequest:
    """Cancel by exchange id in the query string (§6.4). BTCTurk confirms asynchronously."""
    return _request(
        "DELETE", "/api/v1/order", params=(("id", exchange_order_id),), signed=True, idempotent=False
    )


def user_trades(start_ms: int, end_ms: int) -> WireRequest:
    params = (("startDate", str(start_ms)), ("endDate", str(end_ms)))
    return _request("GET", "/api/v1/users/transactions/trade", params=params, signed=True)


KLINE_RESOLUTIONS = {
    60_000: "1",
    300_000: "5",
    900_000: "15",
    1_800_000: "30",
    3_600_000: "60",
    14_400_000: "240",
    86_400_000: "1 day",
}
"""Bar length (ms) -> the graph-api `resolution` that asks for it (§5.8: minutes, or a name)."""


def klines(symbol: str, resolution: str, from_s: int, to_s: int) -> WireRequest:
    """Candles of `resolution` whose open lies in [from_s, to_s], epoch SECONDS (§5.8)."""
    params = (("symbol", symbol), ("resolution", resolution), ("from", str(from_s)), ("to", str(to_s)))
    return _request("GET", "/v1/klines/history", params=params, base="graph")


ENDPOINTS = (
    "GET /api/v2/server/time",
    "GET /api/v2/server/exchangeinfo",
    "GET /api/v2/ticker",
    "GET /api/v2/orderbook",
    "GET /api/v1/users/balances",
    "GET /api/v1/openOrders",
    "GET /api/v1/allOrders",
    "POST /api/v1/order",
    "DELETE /api/v1/order",
    "GET /api/v1/users/transactions/trade",
    "GET /v1/klines/history",
)
"""Every endpoint the builders above name: the metrics' endpoint label values, known up front so a
rate query returns 0 rather than nothing before the first error (tests check it is complete)."""
