"""The simulator's WebSocket feed (protocol §11): `ws_routes(sim)` serves it at "/" and "/ws".

Public channels `ticker` (402), `trade` (421, 422) and `orderbook`/`obdiff` (431, 432) after a 151
subscribe; private 451/441/423/453/452 after a 114 login. `WsChaos` injects disconnects and stalls.
"""

from __future__ import annotations

import itertools

from starlette.routing import BaseRoute, WebSocketRoute
from starlette.websockets import WebSocket

from bot.sim.exchange import SimExchange
from bot.sim.ws.chaos import ChaosSchedule, WsChaos
from bot.sim.ws.session import WsOptions, WsSession


def ws_routes(
    sim: SimExchange, chaos: WsChaos | None = None, options: WsOptions | None = None
) -> list[BaseRoute]:
    """WebSocket routes at "/" and "/ws" (BTCTurk's URL is used with and without a trailing slash).

    Each connection gets its own chaos schedule, seeded by `chaos.seed` and its ordinal.
    """
    faults = chaos or WsChaos()
    settings = options or WsOptions()
    ordinals = itertools.count()

    async def endpoint(ws: WebSocket) -> None:
        await WsSession(ws, sim, settings, ChaosSchedule(faults, next(ordinals))).run()

    return [WebSocketRoute("/", endpoint), WebSocketRoute("/ws", endpoint)]


__all__ = ["WsChaos", "WsOptions", "ws_routes"]
