"""Faults on the wire, in the order a request meets them.

1. latency (per route, uniform), 2. the §8 rate limits (counted always, refused only when
`enforce_rate_limits`), 3. a random 429, 4. a random 5xx (never reaching the engine), 5. a lost
submit (`never_visible_ratio`: the order is not placed, the answer is held for
`submit_response_delay_s` and then is a 504), 6. the endpoint itself, 7. a dropped submit answer
(the engine accepted the order; the answer is held for `submit_response_delay_s`, beyond the
client's timeout), 8. a truncated or malformed 200 body.
"""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable
from decimal import Decimal
from typing import Any

from starlette.requests import Request
from starlette.responses import Response

from bot.sim.exchange import SimExchange
from bot.sim.fault_profile import FaultProfile, route_key
from bot.sim.faults import FaultDraw, FaultInjector
from bot.sim.rate_limits import LIMITS, Limit, groups_of
from bot.sim.wire import encode, fail, json_response

Answer = Callable[[], Awaitable[Response]]
SUBMIT_ROUTE = "POST /api/v1/order"
_DEFAULT_LIMIT = Limit(600, 60_000, "ip")
_SERVER_ERRORS = {
    500: "INTERNAL_SERVER_ERROR",
    502: "BAD_GATEWAY",
    503: "SERVICE_UNAVAILABLE",
    504: "GATEWAY_TIMEOUT",
}


def too_many_requests(limit: Limit, retry_after_s: int) -> Response:
    """§8: BTCTurk's 429 body and a Retry-After header in seconds."""
    body = {
        "message": "TOO_MANY_REQUESTS",
        "success": False,
        "code": 429,
        "details": f"Quota exceeded. Maximum allowed: {limit.requests} per {limit.period_text}.",
        "limit": str(limit.requests),
        "period": limit.period_text,
        "policy": limit.policy,
    }
    response = json_response(body, 429)
    response.headers["Retry-After"] = str(retry_after_s)
    return response


def server_error(status: int) -> Response:
    return fail(_SERVER_ERRORS[status], status, status_code=status)


async def with_faults(sim: SimExchange, request: Request, answer: Answer) -> Response:
    """Run `answer` (the endpoint) under the active fault profile."""
    faults = sim.faults
    profile = faults.profile
    draw = faults.draw()
    route = route_key(request.method, request.url.path)
    latency_ms = faults.latency_ms(route, draw)
    if latency_ms:
        faults.count("latency_ms_total", latency_ms)
        await faults.sleep(latency_ms / 1000)
    refused = _refusal(sim, route, draw, profile)
    if refused is not None:
        return refused
    if route == SUBMIT_ROUTE and draw.lost < profile.never_visible_ratio:
        faults.count("lost_submits")
        await faults.sleep(profile.submit_response_delay_s)
        return server_error(504)
    response = await answer()
    if response.status_code != 200:
        return response
    if route == SUBMIT_ROUTE and draw.dropped < profile.submit_drop_response_ratio:
        faults.count("dropped_submits")
        await faults.sleep(profile.submit_response_delay_s)
    return _spoiled(response, draw, profile, faults)


def _refusal(sim: SimExchange, route: str, draw: FaultDraw, profile: FaultProfile) -> Response | None:
    faults = sim.faults
    over = faults.rate_limiter.record(route, sim.now_ms())
    if over is not None and profile.enforce_rate_limits:
        faults.count("rate_limited_429")
        return too_many_requests(over.limit, over.retry_after_s)
    if draw.rate_limited < profile.http_429_ratio:
        faults.count("injected_429")
        groups = groups_of(route)
        return too_many_requests(LIMITS[groups[0]][0] if groups else _DEFAULT_LIMIT, profile.retry_after_s)
    if draw.server_error < profile.http_5xx_ratio:
        faults.count("injected_5xx")
        return server_error(draw.server_status)
    return None


def _spoiled(response: Response, draw: FaultDraw, profile: FaultProfile, faults: FaultInjector) -> Response:
    body = bytes(response.body)
    status, media_type = response.status_code, response.media_type
    if draw.truncated < profile.truncated_ratio and body:
        faults.count("truncated")
        return Response(body[: len(body) // 2], status_code=status, media_type=media_type)
    if draw.malformed < profile.malformed_ratio and body:
        faults.count("malformed")
        return Response(malformed(body), status_code=status, media_type=media_type)
    return response


def malformed(body: bytes) -> bytes:
    """The same JSON with one field of the wrong type: the first non-null leaf under `data`
    (a string becomes `true`, a number or bool the string "malformed"); when there is none,
    `data` (or the whole body) becomes the string "malformed"."""
    payload = json.loads(body, parse_float=Decimal)
    enveloped = isinstance(payload, dict) and "success" in payload and payload.get("data") is not None
    root = payload["data"] if enveloped else payload
    if not _spoil_first_leaf(root):
        if enveloped:
            payload["data"] = "malformed"
        else:
            payload = "malformed"
    return encode(payload).encode("utf-8")


def _spoil_first_leaf(container: object) -> bool:
    if isinstance(container, dict):
        keys: list[Any] = list(container)
    elif isinstance(container, list):
        keys = list(range(len(container)))
    else:
        return False
    spoilable: Any = container
    for key in keys:
        value = spoilable[key]
        if isinstance(value, dict | list):
            if _spoil_first_leaf(value):
                return True
        elif value is not None:
            spoilable[key] = True if isinstance(value, str) else "malformed"
            return True
    return False
