"""Public v2 endpoints (§5): server time, exchange info, ticker, order book, recent trades."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

from starlette.requests import Request
from starlette.responses import Response

from bot.exchange.matching import synthetic_sides
from bot.exchange.replay import DAY_MS
from bot.sim.exchange import SimExchange
from bot.sim.params import bad_parameter, int_param
from bot.sim.payloads import public_trade_item, symbol_info, ticker_item
from bot.sim.wire import json_response, ok, text

MAX_TRADES = 50
MAX_BOOK_LEVELS = 1000


def iso_time(ms: int) -> str:
    """'2021-02-14T14:37:42.0210000+00:00': seven fractional digits as in §5.1."""
    moment = datetime.fromtimestamp(ms // 1000, tz=UTC)
    return f"{moment:%Y-%m-%dT%H:%M:%S}.{ms % 1000:03d}0000+00:00"


def pair_ids(sim: SimExchange) -> dict[str, int]:
    return {symbol: index + 1 for index, symbol in enumerate(sorted(sim.dataset.pairs))}


async def server_time(request: Request, sim: SimExchange) -> Response:
    """Bare object (§5.1) plus the same fields under `data` for clients that expect the envelope.
    Shifted by the fault profile's clock skew, as is the stamp check."""
    now = sim.server_now_ms()
    body = {"serverTime": now, "serverTime2": iso_time(now)}
    return json_response({**body, "success": True, "message": None, "code": 0, "data": body})


async def exchange_info(request: Request, sim: SimExchange) -> Response:
    ids = pair_ids(sim)
    assets = sorted(
        {r.base for r in sim.dataset.pairs.values()} | {r.quote for r in sim.dataset.pairs.values()}
    )
    data = {
        "timeZone": "UTC",
        "serverTime": sim.server_now_ms(),
        "symbols": [symbol_info(sim.rules(symbol), pair_id) for symbol, pair_id in ids.items()],
        "currencies": [
            {
                "id": index + 1,
                "symbol": asset,
                "minWithdrawal": Decimal(0),
                "minDeposit": Decimal(0),
                "precision": sim.asset_precision(asset),
            }
            for index, asset in enumerate(assets)
        ],
        "currencyOperationBlocks": [
            {"currencySymbol": asset, "withdrawalDisabled": False, "depositDisabled": False}
            for asset in assets
        ],
    }
    return ok(data)


async def ticker(request: Request, sim: SimExchange) -> Response:
    """All pairs, or the one named by pairSymbol; pairs without data yet are left out."""
    ids = pair_ids(sim)
    raw = request.query_params.get("pairSymbol")
    resolved = sim.resolve_symbol(raw)
    symbols = list(ids) if raw is None else ([resolved] if resolved else [])
    items: list[dict[str, object]] = []
    for symbol in symbols:
        row = sim.row(symbol)
        if row is None:
            continue
        window = sim.dataset.rows_between(symbol, row.ts_ms - DAY_MS, row.ts_ms)
        items.append(ticker_item(sim.rules(symbol), window, sim.stamp_ms(row), 1000 + ids[symbol]))
    return ok(items)


async def order_book(request: Request, sim: SimExchange) -> Response:
    """Synthetic levels around the current row (see bot.exchange.matching.book); strings per level."""
    params = dict(request.query_params)
    symbol = sim.resolve_symbol(params.get("pairSymbol"))
    if symbol is None:
        raise bad_parameter("pairSymbol is required and must be a listed pair")
    limit = min(max(int_param(params, "limit", 100) or 1, 1), MAX_BOOK_LEVELS)
    row = sim.row(symbol)
    if row is None:
        return ok({"timestamp": sim.now_ms(), "bids": [], "asks": []})
    bids, asks = synthetic_sides(row, sim.rules(symbol), limit)
    return ok(
        {
            "timestamp": sim.stamp_ms(row),
            "bids": [[text(level.price), text(level.quantity)] for level in bids],
            "asks": [[text(level.price), text(level.quantity)] for level in asks],
        }
    )


async def trades(request: Request, sim: SimExchange) -> Response:
    """One synthetic trade per past step with volume, newest first, at most 50."""
    params = dict(request.query_params)
    symbol = sim.resolve_symbol(params.get("pairSymbol"))
    if symbol is None:
        raise bad_parameter("pairSymbol is required and must be a listed pair")
    last = min(max(int_param(params, "last", MAX_TRADES) or 1, 1), MAX_TRADES)
    rules = sim.rules(symbol)
    items: list[dict[str, object]] = []
    for row in reversed(sim.dataset.rows_between(symbol, sim.dataset.start_ms - 1, sim.market_ms)):
        if len(items) == last:
            break
        if row.volume > 0:
            items.append(public_trade_item(rules, row, sim.row_wall_ms(row)))
    return ok(items)
