"""The BTCTurk client's HTTP transport in a drill: the simulator's ASGI app in this process.

httpx's `ASGITransport` does the ASGI work; this drives it from the blocking client on a private
event loop and adds what a socket would: a client timeout. The simulator holds a dropped submit
answer by sleeping on the drill clock, so an answer that took longer than the client's timeout
(in drill time) is raised as `httpx.ReadTimeout` after the simulator acted, exactly what a lost
response over the network is.
"""

from __future__ import annotations

import asyncio

import httpx
from starlette.types import ASGIApp

from bot.drill.clock import DrillClock


class InProcessTransport(httpx.BaseTransport):
    def __init__(self, app: ASGIApp, clock: DrillClock, *, timeout_s: float) -> None:
        self._asgi = httpx.ASGITransport(app=app)
        self._clock = clock
        self._timeout_ms = timeout_s * 1000
        self._loop = asyncio.new_event_loop()

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        started = self._clock.now_ms()
        answer = self._loop.run_until_complete(self._asgi.handle_async_request(request))
        body = self._loop.run_until_complete(answer.aread())
        if self._clock.now_ms() - started > self._timeout_ms:
            raise httpx.ReadTimeout("no answer within the client's timeout (drill time)", request=request)
        return httpx.Response(answer.status_code, headers=answer.headers, content=body, request=request)

    def close(self) -> None:
        """The client closing (a run ending, say at a crash) leaves the exchange up for the
        restart; `shutdown` ends it."""

    def shutdown(self) -> None:
        self._loop.close()
