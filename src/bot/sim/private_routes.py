"""Signed v1 endpoints (§6): balances, orders, submit, cancel, fills."""

from __future__ import annotations

import logging

from starlette.requests import Request
from starlette.responses import Response

from bot.domain.orders import Side
from bot.exchange.matching import EngineOrder, EngineReject
from bot.sim.exchange import SimExchange
from bot.sim.params import bad_parameter, decimal_param, int_param, request_params
from bot.sim.payloads import balance_item, order_object, submit_data, user_trade_item
from bot.sim.wire import fail, ok

logger = logging.getLogger(__name__)

ORDER_NOT_FOUND = ("Order not found", 1152)
THIRTY_DAYS_MS = 30 * 86_400_000
MAX_ALL_ORDERS = 1000
MAX_CLIENT_ID_LENGTH = 50
# Only limit orders are simulated; the others get BTCTurk's refusal tokens (§10).
_METHOD_REJECTS = {
    "market": ("FAILED_MARKET_ORDER", 1118),
    "stoplimit": ("ORDER_METHOD_NOT_SUPPORTED", 1134),
    "stopmarket": ("ORDER_METHOD_NOT_SUPPORTED", 1134),
}


def _order(sim: SimExchange, order: EngineOrder) -> dict[str, object]:
    return order_object(order, sim.rules(order.symbol), time_zero=sim.config.time_field_zero)


def _symbol_filter(sim: SimExchange, raw: object) -> tuple[bool, str | None]:
    """(matches anything, symbol): an absent pairSymbol means all pairs; an unknown one, none."""
    if raw is None or raw == "":
        return True, None
    return False, sim.resolve_symbol(raw)


async def balances(request: Request, sim: SimExchange, api_key: str) -> Response:
    sim.balances_read()
    now = sim.now_ms()
    items = [
        balance_item(balance, sim.asset_precision(asset), now)
        for asset, balance in sim.engine.balances(api_key).items()
    ]
    return ok(items)


# Orders inside the fault profile's visibility delay are left out of every order query below,
# and every order is reported as it stood `report_delay_ms` ago (`bot.sim.report_lag`).
async def open_orders(request: Request, sim: SimExchange, api_key: str) -> Response:
    any_symbol, symbol = _symbol_filter(sim, request.query_params.get("pairSymbol"))
    orders = sim.reported_open(api_key, symbol) if any_symbol or symbol else []
    return ok(
        {
            "asks": [_order(sim, o) for o in orders if o.side is Side.SELL],
            "bids": [_order(sim, o) for o in orders if o.side is Side.BUY],
        }
    )


async def all_orders(request: Request, sim: SimExchange, api_key: str) -> Response:
    """Orders of every status, oldest first, filtered by orderId (>=), startTime/endTime (ms)."""
    params: dict[str, object] = dict(request.query_params)
    any_symbol, symbol = _symbol_filter(sim, params.get("pairSymbol"))
    if not any_symbol and symbol is None:
        return ok([])
    from_id = int_param(params, "orderId", 0) or 0
    start = int_param(params, "startTime", 0) or 0
    end = int_param(params, "endTime")
    limit = min(max(int_param(params, "limit", 100) or 1, 1), MAX_ALL_ORDERS)
    orders = [
        o
        for o in sim.reported(sim.engine.orders(api_key, symbol))
        if o.order_id >= from_id and o.created_ms >= start and (end is None or o.created_ms <= end)
    ]
    return ok([_order(sim, o) for o in orders[-limit:]])


async def single_order(request: Request, sim: SimExchange, api_key: str) -> Response:
    raw = request.path_params.get("order_id", "")
    order = sim.engine.order(api_key, int(raw)) if str(raw).isdigit() else None
    reported = sim.reported([order]) if order is not None else []
    if not reported:
        return fail(*ORDER_NOT_FOUND)
    return ok(_order(sim, reported[0]))


def _client_order_id(sim: SimExchange, params: dict[str, object]) -> str:
    value = params.get("newOrderClientId")
    if value in (None, "") and params.get("newClientOrderId") not in (None, ""):
        logger.warning("newClientOrderId is a non-canonical alias of newOrderClientId")
        value = params["newClientOrderId"]
    if value in (None, ""):
        return sim.new_client_order_id()
    text = str(value)
    if len(text) > MAX_CLIENT_ID_LENGTH:
        raise bad_parameter(f"newOrderClientId longer than {MAX_CLIENT_ID_LENGTH}")
    return text


async def submit_order(request: Request, sim: SimExchange, api_key: str) -> Response:
    params = await request_params(request)
    raw_symbol = params.get("pairSymbol")
    if raw_symbol in (None, ""):
        raise bad_parameter("pairSymbol is required")
    symbol = sim.resolve_symbol(raw_symbol) or str(raw_symbol).upper()
    side_text = str(params.get("orderType", "")).lower()
    if side_text not in ("buy", "sell"):
        raise EngineReject("ORDER_TYPE_NOT_SUPPORTED", 1193, f"orderType {side_text!r}")
    method = str(params.get("orderMethod", "")).lower().replace("_", "")
    if method in _METHOD_REJECTS:
        raise EngineReject(*_METHOD_REJECTS[method], f"orderMethod {method!r} is not simulated")
    if method != "limit":
        raise bad_parameter(f"orderMethod {method!r}")
    order = sim.submit(
        api_key,
        symbol=symbol,
        side=Side(side_text),
        price=decimal_param(params, "price"),
        quantity=decimal_param(params, "quantity"),
        client_order_id=_client_order_id(sim, params),
    )
    return ok(submit_data(order, sim.rules(order.symbol)), "OK")


async def cancel_order(request: Request, sim: SimExchange, api_key: str) -> Response:
    """DELETE ?id= (or id in the body). Takes effect at once; replies 200 SUCCESS with no data."""
    order_id = int_param(await request_params(request), "id")
    if order_id is None:
        raise bad_parameter("id is required")
    sim.cancel(api_key, order_id)
    return ok(None, "SUCCESS")


async def user_trades(request: Request, sim: SimExchange, api_key: str) -> Response:
    """Fills oldest first; startDate/endDate in ms (default: the last 30 days), pairSymbol,
    repeatable `type`, and `orderId` (which BTCTurk says replaces the other filters)."""
    params: dict[str, object] = dict(request.query_params)
    now = sim.now_ms()
    order_id = int_param(params, "orderId")
    trades = sim.engine.trades(api_key)
    if sim.faults.profile.report_delay_ms:  # fills reported late (bot.sim.report_lag)
        until_ms = sim.reported_fills_until_ms()
        trades = [t for t in trades if t.ts_ms <= until_ms]
    if order_id is not None:
        trades = [t for t in trades if t.order_id == order_id]
    else:
        start = int_param(params, "startDate", now - THIRTY_DAYS_MS) or 0
        end = int_param(params, "endDate", now) or now
        any_symbol, symbol = _symbol_filter(sim, params.get("pairSymbol"))
        types = {t.lower() for t in request.query_params.getlist("type")}
        trades = [
            t
            for t in trades
            if start <= t.ts_ms <= end
            and (any_symbol or t.symbol == symbol)
            and (not types or t.side.value in types)
        ]
    return ok([user_trade_item(t, sim.rules(t.symbol)) for t in trades], "SUCCESS")
