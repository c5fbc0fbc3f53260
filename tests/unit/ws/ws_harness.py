"""The simulator with its WebSocket routes on loopback (port 0), plus small shared builders.

These tests choose the WebSocket chaos and options themselves, so they mount `ws_routes` in
front of the simulator's app and serve both (`bot.testing.simulator.serving_app`), keeping a
handle on the SimExchange.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from decimal import Decimal

from starlette.applications import Starlette
from starlette.routing import Mount

from bot.domain.dataset import Dataset, MarketRow
from bot.domain.symbols import PairRules
from bot.sim import SimConfig, SimExchange, build_app
from bot.sim.ws import WsChaos, WsOptions, ws_routes
from bot.testing import FakeClock
from bot.testing.simulator import serving_app

D = Decimal
KEY = "00000000-0000-0000-0000-000000000000"
SECRET = "c2ltdWxhdG9yLXRlc3Qtc2VjcmV0LTMyLWJ5dGVzISE="
WALL_START = 1_700_000_000_000
DATA_START = 1_650_000_000_000
STEP_MS = 60_000


@dataclass
class RunningSim:
    sim: SimExchange
    port: int
    clock: FakeClock | None

    @property
    def manual_clock(self) -> FakeClock:
        assert self.clock is not None, "this simulator runs on the wall clock"
        return self.clock

    @property
    def ws_url(self) -> str:
        return f"ws://127.0.0.1:{self.port}/"

    @property
    def http_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"


def rules() -> PairRules:
    return PairRules(
        symbol="BTCTRY",
        base="BTC",
        quote="TRY",
        quantity_scale=8,
        price_scale=0,
        tick_size=D(1),
        min_notional=D(10),
        min_price=D(1000),
        max_price=D(10_000_000),
    )


def market_rows(count: int = 6, start_ms: int = DATA_START) -> list[MarketRow]:
    """A market that moves every step: bid/ask shift and the top sizes change."""
    out = []
    for i in range(count):
        bid = D(100_000 + 37 * i * (-1) ** i)
        out.append(
            MarketRow(
                ts_ms=start_ms + i * STEP_MS,
                bid=bid,
                ask=bid + 100,
                last=bid,
                bid_qty=D("0.05") + D(i) / 100,
                ask_qty=D("0.07"),
                volume=D(2 + i),
            )
        )
    return out


def dataset(rows: list[MarketRow]) -> Dataset:
    pair = rules()
    return Dataset(name="ws", step_ms=STEP_MS, pairs={pair.symbol: pair}, rows={pair.symbol: tuple(rows)})


def config(**overrides: object) -> SimConfig:
    values: dict[str, object] = {
        "accounts": [{"api_key": KEY, "api_secret": SECRET, "balances": {"TRY": "50000", "BTC": "1"}}],
        "speed": 1,
        "seed": 3,
    }
    values.update(overrides)
    return SimConfig.model_validate(values)


@contextmanager
def ws_simulator(
    *,
    clock: FakeClock | None,
    rows: list[MarketRow] | None = None,
    chaos: WsChaos | None = None,
    options: WsOptions | None = None,
    sim_config: SimConfig | None = None,
) -> Iterator[RunningSim]:
    from bot.sim import WallClock

    sim = SimExchange(sim_config or config(), dataset(rows or market_rows()), clock or WallClock())
    app = Starlette(routes=[*ws_routes(sim, chaos, options), Mount("", app=build_app(sim))])
    with serving_app(app) as port:
        yield RunningSim(sim=sim, port=port, clock=clock)


def wait_until(condition: Callable[[], object], *, timeout_s: float = 5.0, what: str = "condition") -> None:
    """Poll every 20 ms: at most timeout_s / 0.02 times, and never past the deadline."""
    deadline = time.monotonic() + timeout_s
    for _ in range(int(timeout_s / 0.02) + 1):
        if condition():
            return
        if time.monotonic() > deadline:
            break
        time.sleep(0.02)
    if not condition():
        raise AssertionError(f"timed out after {timeout_s}s waiting for {what}")
