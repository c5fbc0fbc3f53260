"""`/_sim/*`: the simulator's ground truth and controls for tests (no auth, loopback only).

`GET /_sim/state`, `POST /_sim/freeze?on=`, `GET|POST /_sim/faults`.
"""

from __future__ import annotations

import json

from pydantic import ValidationError
from starlette.requests import Request
from starlette.responses import Response

from bot.exchange.matching import EngineOrder, EngineTrade
from bot.sim.exchange import SimExchange
from bot.sim.fault_profile import FaultProfile, describe_errors
from bot.sim.wire import fail, json_response, text

LOOPBACK_HOSTS = frozenset({"127.0.0.1", "::1", "localhost"})


def _order(order: EngineOrder) -> dict[str, object]:
    return {
        "id": order.order_id,
        "client_order_id": order.client_order_id,
        "symbol": order.symbol,
        "side": order.side.value,
        "price": text(order.price),
        "quantity": text(order.quantity),
        "filled_quantity": text(order.filled_quantity),
        "status": order.status.value,
        "locked": text(order.locked),
        "lock_asset": order.lock_asset,
        "created_ms": order.created_ms,
        "updated_ms": order.updated_ms,
    }


def _trade(trade: EngineTrade) -> dict[str, object]:
    return {
        "id": trade.trade_id,
        "order_id": trade.order_id,
        "client_order_id": trade.client_order_id,
        "symbol": trade.symbol,
        "side": trade.side.value,
        "price": text(trade.price),
        "quantity": text(trade.quantity),
        "fee": text(trade.fee),
        "tax": text(trade.tax),
        "fee_asset": trade.fee_asset,
        "maker": trade.maker,
        "ts_ms": trade.ts_ms,
    }


def state_payload(sim: SimExchange) -> dict[str, object]:
    """Every account's balances, orders and trades (decimals as canonical strings), market_ms, and
    the faults: active profile, counters, and the highest request count per rate-limit window."""
    accounts: dict[str, object] = {}
    for account in sim.config.accounts:
        key = account.api_key
        accounts[key] = {
            "balances": {
                asset: {"total": text(b.total), "free": text(b.free), "locked": text(b.locked)}
                for asset, b in sim.engine.balances(key).items()
            },
            "orders": [_order(o) for o in sim.engine.orders(key)],
            "trades": [_trade(t) for t in sim.engine.trades(key)],
        }
    return {"accounts": accounts, "market_ms": sim.market_ms, "faults": sim.faults.report()}


async def sim_state(request: Request, sim: SimExchange) -> Response:
    if request.client is None or request.client.host not in LOOPBACK_HOSTS:
        return fail("FORBIDDEN", 403, status_code=403)
    return json_response(state_payload(sim))


async def sim_freeze(request: Request, sim: SimExchange) -> Response:
    """`POST /_sim/freeze?on=true|false`: freeze or resume the market feed (tests, drills)."""
    if request.client is None or request.client.host not in LOOPBACK_HOSTS:
        return fail("FORBIDDEN", 403, status_code=403)
    frozen = request.query_params.get("on", "true").lower() != "false"
    return json_response({"frozen": frozen, "market_ms": sim.freeze_market(frozen)})


async def sim_faults(request: Request, sim: SimExchange) -> Response:
    """`POST /_sim/faults` with a JSON object of knobs: deep-merged into the active profile
    (`?reset=true`: into the all-off profile). 400 naming the key when a knob is invalid.
    Answers (and `GET` reads) the faults report."""
    if request.client is None or request.client.host not in LOOPBACK_HOSTS:
        return fail("FORBIDDEN", 403, status_code=403)
    if request.method == "POST":
        try:
            changes = json.loads(await request.body() or b"{}")
        except ValueError as e:
            return fail(f"body is not JSON: {e}", 400)
        if not isinstance(changes, dict):
            return fail("body must be a JSON object of fault knobs", 400)
        reset = request.query_params.get("reset", "false").lower() == "true"
        try:
            profile = (FaultProfile() if reset else sim.faults.profile).updated(changes)
        except ValidationError as e:
            return fail(describe_errors(e), 400)
        sim.apply_faults(profile)
    return json_response(sim.faults.report())
