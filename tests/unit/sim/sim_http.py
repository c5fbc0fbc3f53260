"""A simulator on loopback with a hand-rolled BTCTurk signer (independent of the bot's client)."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import httpx
from sim_builders import dataset, row

from bot.domain.dataset import MarketRow
from bot.sim import SimConfig, SimExchange
from bot.testing import FakeClock
from bot.testing.simulator import serving

KEY = "00000000-0000-0000-0000-000000000000"
SECRET = "c2ltdWxhdG9yLXRlc3Qtc2VjcmV0LTMyLWJ5dGVzISE="
WALL_START = 1_700_000_000_000
DATA_START = 1_650_000_000_000
ROWS = [
    row(DATA_START, "100000", "100100", bid_qty="0.05", ask_qty="0.05"),
    row(DATA_START + 60_000, "99900", "100050", bid_qty="0.05", ask_qty="0.05"),
    row(DATA_START + 120_000, "99800", "99950", bid_qty="0.05", ask_qty="0.05"),
    row(DATA_START + 180_000, "100300", "100400", bid_qty="0.05", ask_qty="0.05"),
]


@dataclass
class Sim:
    http: httpx.Client
    clock: FakeClock
    exchange: SimExchange

    def headers(self, *, stamp: int | None = None) -> dict[str, str]:
        stamp_text = str(self.clock.now_ms() if stamp is None else stamp)
        digest = hmac.new(base64.b64decode(SECRET), (KEY + stamp_text).encode(), hashlib.sha256).digest()
        return {"X-PCK": KEY, "X-Stamp": stamp_text, "X-Signature": base64.b64encode(digest).decode()}

    def get(self, path: str, **params: Any) -> httpx.Response:
        return self.http.get(path, params=params, headers=self.headers())

    def submit(self, *, timeout: float | None = None, **fields: Any) -> httpx.Response:
        order = {"pairSymbol": "BTCTRY", "orderType": "buy", "orderMethod": "limit"}
        order |= {"quantity": "0.01", "price": "90000"} | fields
        extra: dict[str, Any] = {} if timeout is None else {"timeout": timeout}
        return self.http.post("/api/v1/order", json=order, headers=self.headers(), **extra)

    def state(self) -> Any:
        return body(self.http.get("/_sim/state"))

    def set_faults(self, reset: bool = False, **knobs: Any) -> httpx.Response:
        params = {"reset": "true"} if reset else {}
        return self.http.post("/_sim/faults", json=knobs, params=params)

    def orders(self) -> list[dict[str, Any]]:
        return list(self.state()["accounts"][KEY]["orders"])

    def counters(self) -> dict[str, int]:
        return dict(self.state()["faults"]["counters"])


def body(response: httpx.Response) -> Any:
    return json.loads(response.text, parse_float=Decimal)


def sim_config(faults: Mapping[str, object] | None = None, *, seed: int = 7) -> SimConfig:
    return SimConfig.model_validate(
        {
            "accounts": [{"api_key": KEY, "api_secret": SECRET, "balances": {"TRY": "500000", "BTC": "1"}}],
            "speed": 60,
            "seed": seed,
            "faults": dict(faults or {}),
        }
    )


@contextmanager
def simulator(
    faults: Mapping[str, object] | None = None, *, seed: int = 7, rows: list[MarketRow] | None = None
) -> Iterator[Sim]:
    clock = FakeClock(WALL_START)
    config = sim_config(faults, seed=seed)
    with (
        serving(config, dataset(rows or ROWS), clock=clock) as served,
        httpx.Client(base_url=served.url) as http,
    ):
        yield Sim(http, clock, served.exchange)
