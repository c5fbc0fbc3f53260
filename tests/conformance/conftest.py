"""One contract, every ExchangeGateway: each fixture param builds a gateway over the same market.

A `Venue` gives the suite what it needs beyond the gateway itself: a twin whose submit responses
are lost after the venue accepted the order, and (where keys exist) a gateway with a wrong secret.
Every venue runs on one `FakeClock`: the simulator's, the clients' stamps and their retry sleeps,
and the paper account's, so the market stands still unless a test moves it.
"""

from __future__ import annotations

import random
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from decimal import Decimal

import httpx
import pytest

from bot.domain.dataset import Dataset
from bot.domain.orders import SubmitAck, SubmitOrder
from bot.exchange.btcturk.async_client import AsyncBtcturkClient
from bot.exchange.btcturk.auth import Credentials
from bot.exchange.btcturk.bridge import AsyncClientBridge
from bot.exchange.btcturk.engine import CallPolicy
from bot.exchange.btcturk.sync_client import BtcturkClient
from bot.exchange.errors import UncertainOutcome
from bot.exchange.gateway import ExchangeGateway
from bot.exchange.matching import FeeSchedule, MatchingEngine
from bot.exchange.paper import PaperGateway
from bot.exchange.replay import ReplayMarketData
from bot.sim import SimAccount, SimConfig
from bot.testing import FakeClock
from bot.testing.simulator import serving
from tests.integration.conftest import API_KEY, API_SECRET, START_MS, oscillating_rows

SEED = {"TRY": Decimal("50000")}
WRONG_SECRET = "d3Jvbmctc2VjcmV0LXdyb25nLXNlY3JldC13cm9uZyE="


@dataclass
class Venue:
    gateway: ExchangeGateway
    lost_response_twin: Callable[[], ExchangeGateway]
    wrong_secret_twin: Callable[[], ExchangeGateway] | None


def market_dataset() -> Dataset:
    from bot.replay.pair_specs import DEFAULT_PAIRS

    return Dataset(
        name="conformance",
        step_ms=60_000,
        pairs={"BTCTRY": DEFAULT_PAIRS["BTCTRY"].rules},
        rows={"BTCTRY": oscillating_rows(Decimal("1400000"), 400, 30, Decimal("0.01"))},
    )


class _LoseSubmitResponses(httpx.BaseTransport):
    def __init__(self) -> None:
        self._inner = httpx.HTTPTransport()

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        response = self._inner.handle_request(request)
        if request.method == "POST" and request.url.path == "/api/v1/order":
            response.read()
            raise httpx.ReadTimeout("response lost", request=request)
        return response

    def close(self) -> None:
        self._inner.close()


def _client(
    url: str,
    clock: FakeClock,
    secret: str = API_SECRET,
    transport: Callable[[], httpx.BaseTransport] | None = None,
) -> BtcturkClient:
    return BtcturkClient(
        base_url=url,
        graph_base_url=url,
        credentials=Credentials(api_key=API_KEY, api_secret=secret),
        timeout_s=5,
        transport=transport() if transport else None,
        now_ms=clock.now_ms,
        sleep=clock.sleep,
        policy=CallPolicy(rng=random.Random(1)),
    )


class _LoseSubmitResponsesAsync(httpx.AsyncBaseTransport):
    def __init__(self) -> None:
        self._inner = httpx.AsyncHTTPTransport()

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        response = await self._inner.handle_async_request(request)
        if request.method == "POST" and request.url.path == "/api/v1/order":
            await response.aread()
            raise httpx.ReadTimeout("response lost", request=request)
        return response

    async def aclose(self) -> None:
        await self._inner.aclose()


def _async_client(
    url: str,
    clock: FakeClock,
    secret: str = API_SECRET,
    transport: Callable[[], httpx.AsyncBaseTransport] | None = None,
) -> AsyncClientBridge:
    """The async client behind the bridge: built on the bridge's loop, transport included."""
    return AsyncClientBridge(
        lambda: AsyncBtcturkClient(
            base_url=url,
            graph_base_url=url,
            credentials=Credentials(api_key=API_KEY, api_secret=secret),
            timeout_s=5,
            transport=transport() if transport else None,
            now_ms=clock.now_ms,
            sleep=clock.async_sleep,
            policy=CallPolicy(rng=random.Random(1)),
        )
    )


def _btcturk_async() -> Iterator[Venue]:
    yield from _btcturk_venue(_async_client, _LoseSubmitResponsesAsync)


def _btcturk_sync() -> Iterator[Venue]:
    yield from _btcturk_venue(_client, _LoseSubmitResponses)


def _btcturk_venue(make: Callable[..., ExchangeGateway], losing_transport: type) -> Iterator[Venue]:
    """A BTCTurk client against the simulator; every client built for the test is closed after it."""
    config = SimConfig(accounts=(SimAccount(api_key=API_KEY, api_secret=API_SECRET, balances=SEED),), seed=5)
    clock = FakeClock(START_MS + 5 * 60_000)
    with serving(config, market_dataset(), clock=clock) as served:
        clients: list[ExchangeGateway] = []

        def client(**kwargs: object) -> ExchangeGateway:
            clients.append(make(served.url, clock, **kwargs))
            return clients[-1]

        yield Venue(
            gateway=client(),
            lost_response_twin=lambda: client(transport=losing_transport),
            wrong_secret_twin=lambda: client(secret=WRONG_SECRET),
        )
        for each in clients:
            each.close()


class _LosesResponses(PaperGateway):
    def submit_order(self, order: SubmitOrder) -> SubmitAck:
        super().submit_order(order)
        raise UncertainOutcome("response lost", endpoint="paper submit_order")


def _paper_replay() -> Iterator[Venue]:
    dataset = market_dataset()
    clock = FakeClock(START_MS + 5 * 60_000)
    market = ReplayMarketData(dataset, clock)
    engine = MatchingEngine(dataset.pairs, FeeSchedule())
    gateway = PaperGateway(market, engine, clock, initial_balances=SEED)
    yield Venue(
        gateway=gateway,
        lost_response_twin=lambda: _LosesResponses(market, engine, clock),
        wrong_secret_twin=None,
    )


def _paper_over_exchange_prices() -> Iterator[Venue]:
    clock = FakeClock(START_MS + 5 * 60_000)
    with serving(SimConfig(seed=5), market_dataset(), clock=clock) as served:
        url = served.url
        public = BtcturkClient(
            base_url=url, graph_base_url=url, timeout_s=5, now_ms=clock.now_ms, sleep=clock.sleep
        )
        engine = MatchingEngine(public.pair_rules(), FeeSchedule())
        gateway = PaperGateway(public, engine, clock, initial_balances=SEED)
        yield Venue(
            gateway=gateway,
            lost_response_twin=lambda: _LosesResponses(public, engine, clock),
            wrong_secret_twin=None,
        )
        public.close()


VENUES = {
    "btcturk-async": _btcturk_async,
    "btcturk-sync": _btcturk_sync,
    "paper-replay": _paper_replay,
    "paper-exchange-prices": _paper_over_exchange_prices,
}


@pytest.fixture(params=sorted(VENUES))
def venue(request: pytest.FixtureRequest) -> Iterator[Venue]:
    yield from VENUES[request.param]()
