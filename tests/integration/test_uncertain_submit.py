"""A submit whose response is lost after the exchange accepted it: resolved by lookup, never re-sent."""

from __future__ import annotations

import random
import time
from decimal import Decimal

import httpx
import pytest

from bot.cycle.clocks import SystemClock
from bot.domain.decisions import Decision, DecisionLayer, ReasonCode, Verdict, approved_actions
from bot.domain.intents import SubmitIntent
from bot.domain.orders import OrderStatus, Side
from bot.exchange.btcturk.auth import Credentials
from bot.exchange.btcturk.engine import CallPolicy
from bot.exchange.btcturk.sync_client import BtcturkClient
from bot.execution.executor import Executor, PlannedAction
from bot.execution.observer import NullObserver
from bot.execution.uncertain import UncertainPolicy, UncertainResolver
from bot.store import Database
from tests.integration.conftest import API_KEY, API_SECRET

pytestmark = pytest.mark.integration


class LoseSubmitResponses(httpx.BaseTransport):
    """Delivers every request, but for order submits the response never arrives."""

    def __init__(self) -> None:
        self._inner = httpx.HTTPTransport()
        self.submits_sent = 0

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        response = self._inner.handle_request(request)
        if request.method == "POST" and request.url.path == "/api/v1/order":
            self.submits_sent += 1
            response.read()
            raise httpx.ReadTimeout("response lost", request=request)
        return response

    def close(self) -> None:
        self._inner.close()


def planned_buy(client_order_id: str) -> list[PlannedAction]:
    intent = SubmitIntent(symbol="BTCTRY", side=Side.BUY, price=Decimal("1300000"), quantity=Decimal("0.001"))
    decision = Decision(
        cycle_id=1,
        intent=intent,
        verdict=Verdict.APPROVED,
        reason_code=ReasonCode.OK,
        layer=DecisionLayer.RISK_POLICY,
        final_intent=intent,
    )
    return [PlannedAction(action, client_order_id) for action in approved_actions([decision])]


def test_lost_submit_response_is_found_by_lookup_and_never_sent_twice(simulator, tmp_path):
    transport = LoseSubmitResponses()
    client = BtcturkClient(
        base_url=simulator.url,
        graph_base_url=simulator.url,
        credentials=Credentials(api_key=API_KEY, api_secret=API_SECRET),
        timeout_s=5,
        transport=transport,
        now_ms=lambda: time.time_ns() // 1_000_000,
        sleep=lambda s: None,
        policy=CallPolicy(rng=random.Random(1)),
    )
    clock = SystemClock()
    with Database.open(tmp_path / "bot.sqlite") as db:
        resolver = UncertainResolver(
            gateway=client, database=db, clock=clock, policy=UncertainPolicy(probe_limit=3, window_ms=60_000)
        )
        executor = Executor(
            gateway=client, database=db, clock=clock, observer=NullObserver(), resolver=resolver
        )

        report = executor.execute(1, planned_buy("b3-test-1-0"))
        assert report.uncertain == 1
        order = db.orders.get("b3-test-1-0")
        assert order is not None
        assert order.status is OrderStatus.OPEN  # found by client order id on the exchange
        assert order.exchange_order_id is not None

        # The same cycle's action again (e.g. a restart mid-cycle): written ahead already, not re-sent.
        executor.execute(1, planned_buy("b3-test-1-0"))

    assert transport.submits_sent == 1
    orders = simulator.account()["orders"]
    assert [o["client_order_id"] for o in orders] == ["b3-test-1-0"]
    assert str(orders[0]["id"]) == order.exchange_order_id
    client.close()
