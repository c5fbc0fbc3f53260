"""Endpoint wrappers: inject faults, catch the market up, authenticate, and turn rejections into
§3 errors. Exchange endpoints (public, private) meet the active fault profile; admin ones never do."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from starlette.requests import Request
from starlette.responses import Response
from starlette.types import ASGIApp, Receive, Scope, Send

from bot.exchange.matching import EngineReject
from bot.sim.auth import AuthFailure, authenticate
from bot.sim.exchange import SimExchange
from bot.sim.fault_http import with_faults
from bot.sim.wire import fail, unauthorized

Endpoint = Callable[[Request], Awaitable[Response]]
PublicHandler = Callable[[Request, SimExchange], Awaitable[Response]]
PrivateHandler = Callable[[Request, SimExchange, str], Awaitable[Response]]


def admin(sim: SimExchange, handler: PublicHandler) -> Endpoint:
    """`/_sim/*`: no faults, so tests can always read the ground truth and change the profile."""

    async def endpoint(request: Request) -> Response:
        sim.catch_up()
        try:
            return await handler(request, sim)
        except EngineReject as e:
            return fail(e.token, e.code)

    return endpoint


def public(sim: SimExchange, handler: PublicHandler) -> Endpoint:
    plain = admin(sim, handler)

    async def endpoint(request: Request) -> Response:
        return await with_faults(sim, request, lambda: plain(request))

    return endpoint


def private(sim: SimExchange, handler: PrivateHandler) -> Endpoint:
    """Verify X-PCK / X-Stamp / X-Signature first (against the skewed server time); 401 with the
    BTCTurk message otherwise."""

    async def answer(request: Request) -> Response:
        sim.catch_up()
        result = authenticate(request.headers, sim.config, sim.server_now_ms())
        if isinstance(result, AuthFailure):
            return unauthorized(result.message)
        try:
            return await handler(request, sim, result)
        except EngineReject as e:
            return fail(e.token, e.code)

    async def endpoint(request: Request) -> Response:
        return await with_faults(sim, request, lambda: answer(request))

    return endpoint


class CaseInsensitivePaths:
    """Route on the lower-cased path: real clients send both `orderBook` and `orderbook` (§1)."""

    def __init__(self, app: ASGIApp) -> None:
        self._app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            scope = {**scope, "path": scope["path"].lower()}
        await self._app(scope, receive, send)
