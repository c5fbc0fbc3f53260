"""The simulator's ASGI app and its uvicorn runner."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager

import uvicorn
from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route
from starlette.types import ASGIApp

from bot.domain.clock import Clock
from bot.domain.dataset import Dataset
from bot.sim import graph_routes, private_routes, public_routes
from bot.sim.config import SimConfig
from bot.sim.exchange import SimExchange
from bot.sim.routing import CaseInsensitivePaths, admin, private, public
from bot.sim.state import sim_faults, sim_freeze, sim_state
from bot.sim.wire import fail
from bot.sim.ws import WsChaos, ws_routes

ReadyCallback = Callable[[str, int], None]


class WallClock:
    """The real clock (this runner is a shell, so it may read the wall time)."""

    def now_ms(self) -> int:
        return time.time_ns() // 1_000_000


async def _http_error(request: Request, exc: Exception) -> Response:
    status = exc.status_code if isinstance(exc, HTTPException) else 500
    return fail(str(getattr(exc, "detail", "error")), status, status_code=status)


def build_app(sim: SimExchange) -> ASGIApp:
    """Routes are lower-case; the wrapper lower-cases request paths so any casing matches.
    graph-api (`/v1/*`) shares the origin: point the bot's graph_base_url here too."""
    routes = [
        Route("/api/v2/server/time", public(sim, public_routes.server_time), methods=["GET"]),
        Route("/api/v2/server/exchangeinfo", public(sim, public_routes.exchange_info), methods=["GET"]),
        Route("/api/v2/ticker", public(sim, public_routes.ticker), methods=["GET"]),
        Route("/api/v2/orderbook", public(sim, public_routes.order_book), methods=["GET"]),
        Route("/api/v2/trades", public(sim, public_routes.trades), methods=["GET"]),
        Route("/api/v1/users/balances", private(sim, private_routes.balances), methods=["GET"]),
        Route("/api/v1/openorders", private(sim, private_routes.open_orders), methods=["GET"]),
        Route("/api/v1/allorders", private(sim, private_routes.all_orders), methods=["GET"]),
        Route("/api/v1/order/{order_id}", private(sim, private_routes.single_order), methods=["GET"]),
        Route("/api/v1/order", private(sim, private_routes.submit_order), methods=["POST"]),
        Route("/api/v1/order", private(sim, private_routes.cancel_order), methods=["DELETE"]),
        Route("/api/v1/users/transactions/trade", private(sim, private_routes.user_trades), methods=["GET"]),
        Route("/v1/ohlcs", public(sim, graph_routes.ohlcs), methods=["GET"]),
        Route("/v1/klines/history", public(sim, graph_routes.klines), methods=["GET"]),
        Route("/_sim/state", admin(sim, sim_state), methods=["GET"]),
        Route("/_sim/freeze", admin(sim, sim_freeze), methods=["POST"]),
        Route("/_sim/faults", admin(sim, sim_faults), methods=["GET", "POST"]),
        *ws_routes(sim, _ws_chaos(sim)),
    ]
    app = Starlette(routes=routes, exception_handlers={HTTPException: _http_error})
    return CaseInsensitivePaths(app)


def _ws_chaos(sim: SimExchange) -> WsChaos:
    """The WebSocket knobs of the fault profile active at start (runtime changes apply to REST)."""
    profile = sim.faults.profile
    return WsChaos(
        disconnect_every_s=profile.ws_disconnect_every_s,
        stall_probability=profile.ws_stall_probability,
        stall_s=profile.ws_stall_s,
        seed=sim.config.seed,
    )


class _Server(uvicorn.Server):
    def __init__(self, config: uvicorn.Config, on_started: Callable[[], None]) -> None:
        super().__init__(config)
        self._on_started = on_started

    async def startup(self, sockets: list[socket.socket] | None = None) -> None:
        await super().startup(sockets)
        if self.started:
            self._on_started()


def _prepare(
    config: SimConfig, dataset: Dataset, clock: Clock | None, on_started: Callable[[str, int], None]
) -> tuple[_Server, socket.socket]:
    sim = SimExchange(config, dataset, clock or WallClock())
    family = socket.AF_INET6 if ":" in config.host else socket.AF_INET
    # proto=IPPROTO_TCP matters: asyncio only sets TCP_NODELAY on accepted sockets whose proto says
    # TCP, and without it Nagle + delayed ACK add ~40 ms to every response.
    sock = socket.socket(family, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    sock.bind((config.host, config.port))
    host, port = sock.getsockname()[:2]
    uv_config = uvicorn.Config(build_app(sim), log_level="warning", access_log=False, lifespan="off")
    return _Server(uv_config, lambda: on_started(host, port)), sock


def serve(
    config: SimConfig, dataset: Dataset, *, ready: ReadyCallback | None = None, clock: Clock | None = None
) -> None:
    """Serve until interrupted. `ready(host, port)` is called once listening (port 0 resolved)."""
    server, sock = _prepare(config, dataset, clock, ready or (lambda host, port: None))
    try:
        server.run(sockets=[sock])
    finally:
        sock.close()


@contextmanager
def running_simulator(
    config: SimConfig, dataset: Dataset, *, clock: Clock | None = None, timeout_s: float = 10.0
) -> Iterator[str]:
    """Run the simulator in a background thread; yields its base URL ('http://127.0.0.1:PORT').

    Raises RuntimeError if it is not listening within `timeout_s`. Shuts down on exit.
    """
    started = threading.Event()
    address: list[tuple[str, int]] = []

    def on_started(host: str, port: int) -> None:
        address.append((host, port))
        started.set()

    server, sock = _prepare(config, dataset, clock, on_started)
    thread = threading.Thread(
        target=server.run, kwargs={"sockets": [sock]}, name="bot-exchange-sim", daemon=True
    )
    thread.start()
    try:
        if not started.wait(timeout_s):
            raise RuntimeError(f"exchange simulator did not start within {timeout_s}s")
        host, port = address[0]
        yield f"http://[{host}]:{port}" if ":" in host else f"http://{host}:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout_s)
        sock.close()
