"""The exchange simulator served from this process, on a loopback port the OS picks.

`bot.sim.running_simulator` serves it for programs; tests also want the `SimExchange` itself (its
clock, faults and engine) and a stop that does not wait out an answer the simulator is holding
on purpose (a dropped submit's delay, an injected latency): `serving` gives both.
"""

from __future__ import annotations

import asyncio
import socket
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

import uvicorn
from starlette.types import ASGIApp

from bot.domain.clock import Clock
from bot.domain.dataset import Dataset
from bot.sim import SimConfig, SimExchange, WallClock, build_app

START_TIMEOUT_S = 10.0


@dataclass(frozen=True, slots=True)
class ServedSimulator:
    exchange: SimExchange
    port: int

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def ws_url(self) -> str:
        return f"ws://127.0.0.1:{self.port}/"


class _Server(uvicorn.Server):
    """uvicorn's server, made to stop at once: a test starts and stops dozens of them."""

    def __init__(self, config: uvicorn.Config, started: threading.Event) -> None:
        super().__init__(config)
        self._started_event = started

    async def startup(self, sockets: list[socket.socket] | None = None) -> None:
        await super().startup(sockets)
        self._started_event.set()

    async def main_loop(self) -> None:
        # uvicorn looks at `should_exit` every 100 ms; this looks every 10 ms and still ticks
        # (date header, request limits) every 100 ms.
        counter = 0
        while not await self.on_tick(counter):
            for _ in range(10):
                if self.should_exit:
                    return
                await asyncio.sleep(0.01)
            counter = (counter + 1) % 864_000

    async def shutdown(self, sockets: list[socket.socket] | None = None) -> None:
        if not self.force_exit:
            await super().shutdown(sockets)
            return
        # Forced: stop listening and drop the connections without uvicorn's grace period; the
        # event loop cancels whatever requests were still running when the thread's run ends.
        for server in self.servers:
            server.close()
        for connection in list(self.server_state.connections):
            connection.shutdown()


@contextmanager
def serving_app(app: ASGIApp) -> Iterator[int]:
    """Serve `app` on 127.0.0.1 in a daemon thread; yields the port. On exit the server stops at
    once, abandoning requests still in progress. Raises RuntimeError if it does not start."""
    # proto=IPPROTO_TCP: asyncio sets TCP_NODELAY only on sockets that say TCP (bot.sim.server).
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    started = threading.Event()
    server = _Server(uvicorn.Config(app, log_level="warning", access_log=False, lifespan="off"), started)
    thread = threading.Thread(
        target=server.run, kwargs={"sockets": [sock]}, name="sim-under-test", daemon=True
    )
    thread.start()
    try:
        if not started.wait(START_TIMEOUT_S) or not server.started:
            raise RuntimeError(f"the simulator did not start within {START_TIMEOUT_S}s")
        yield port
    finally:
        server.should_exit = True
        server.force_exit = True  # do not wait for answers held by a fault (seconds, on purpose)
        thread.join(START_TIMEOUT_S)
        sock.close()


@contextmanager
def serving(config: SimConfig, dataset: Dataset, *, clock: Clock | None = None) -> Iterator[ServedSimulator]:
    """The simulator over `dataset` on the wall clock, or on `clock` (a FakeClock the test moves)."""
    exchange = SimExchange(config, dataset, clock or WallClock())
    with serving_app(build_app(exchange)) as port:
        yield ServedSimulator(exchange=exchange, port=port)
