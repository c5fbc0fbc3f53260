"""No part of the API key, the secret or a login signature reaches a log record at DEBUG, from any
logger: the private WebSocket login and signed REST requests against the simulator.

Each runs twice: with the bot's logging configured (which also scrubs the configured values from
every record) and with a bare root logger at DEBUG, which shows the cause itself is fixed: the
websockets client no longer logs the contents of the frames we send.
"""

from __future__ import annotations

import io
import logging
import random
from collections.abc import Iterator
from decimal import Decimal

import httpx
import pytest
from ws_harness import config, wait_until, ws_simulator

from bot.domain.orders import Side, SubmitOrder
from bot.exchange.btcturk.auth import Credentials, sign
from bot.exchange.btcturk.engine import CallPolicy
from bot.exchange.btcturk.sync_client import BtcturkClient
from bot.exchange.btcturk.ws import MarketFeed
from bot.exchange.btcturk.ws.feed import FeedOptions
from bot.obs import configure_logging
from bot.obs.redaction import MIN_FRAGMENT
from bot.testing import FakeClock

D = Decimal

KEY = "7c1d9e4a-52b3-4f86-a0e7-3b9d6c2f8e15"
SECRET = "bm8tcGFydC1vZi10aGlzLW1heS1yZWFjaC1hLWxvZyE="
ACCOUNT = {"api_key": KEY, "api_secret": SECRET, "balances": {"TRY": "50000", "BTC": "1"}}


class Captured(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)

    def text(self) -> str:
        plain = logging.Formatter("%(name)s %(message)s")
        return "\n".join(plain.format(r) for r in self.records)


@pytest.fixture(params=["bot logging", "bare root logger"])
def captured(request: pytest.FixtureRequest) -> Iterator[tuple[Captured, io.StringIO]]:
    root = logging.getLogger()
    factory, level = logging.getLogRecordFactory(), root.level
    capture, out = Captured(), io.StringIO()
    root.addHandler(capture)
    bot_handler = None
    if request.param == "bot logging":
        bot_handler = configure_logging("DEBUG", "json", out, secrets=[KEY, SECRET])
    root.setLevel(logging.DEBUG)
    loggers = [logging.getLogger(name) for name in list(logging.root.manager.loggerDict)]
    levels = [logger.level for logger in loggers]
    for logger in loggers:  # every logger, libraries' included, at DEBUG through the root
        logger.setLevel(logging.NOTSET)
    try:
        yield capture, out
    finally:
        for handler in (capture, bot_handler):
            if handler is not None:
                root.removeHandler(handler)
        logging.setLogRecordFactory(factory)
        root.setLevel(level)
        for logger, was in zip(loggers, levels, strict=True):
            logger.setLevel(was)


def leaked(text: str, *values: str) -> list[str]:
    parts = {v[i : i + MIN_FRAGMENT] for v in values for i in range(len(v) - MIN_FRAGMENT + 1)}
    return sorted(p for p in parts if p in text)


def test_private_websocket_login_logs_no_part_of_key_secret_or_signature(
    captured: tuple[Captured, io.StringIO],
) -> None:
    capture, out = captured
    clock = FakeClock()
    with ws_simulator(clock=clock, sim_config=config(accounts=[ACCOUNT])) as running:
        feed = MarketFeed(
            running.ws_url,
            ["BTCTRY"],
            clock=clock.now_ms,
            credentials=Credentials(KEY, SECRET),
            options=FeedOptions(backoff=(0.02, 0.1), rng=random.Random(5)),
        )
        feed.start()
        try:
            wait_until(lambda: feed.stats().logged_in, what="login")
        finally:
            feed.stop()
    signature = sign(KEY, SECRET, clock.now_ms())  # the nonce is the login timestamp
    logged = capture.text() + out.getvalue()
    assert any(r.name == "websockets.client" and r.getMessage().startswith("> TEXT") for r in capture.records)
    assert leaked(logged, KEY, SECRET, signature) == []


class RecordingTransport(httpx.HTTPTransport):
    """Keeps the signatures the client sent, so the test can look for them in the logs."""

    def __init__(self) -> None:
        super().__init__()
        self.signatures: list[str] = []

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        if "X-Signature" in request.headers:
            self.signatures.append(request.headers["X-Signature"])
        return super().handle_request(request)


def test_signed_rest_requests_log_no_part_of_key_secret_or_signature(
    captured: tuple[Captured, io.StringIO],
) -> None:
    capture, out = captured
    clock, transport = FakeClock(), RecordingTransport()
    with ws_simulator(clock=clock, sim_config=config(accounts=[ACCOUNT])) as running:
        client = BtcturkClient(
            base_url=running.http_url,
            graph_base_url=running.http_url,
            credentials=Credentials(KEY, SECRET),
            transport=transport,
            now_ms=clock.now_ms,
            sleep=lambda _: None,
            policy=CallPolicy(rng=random.Random(1)),
        )
        try:
            client.balances()
            client.open_orders("BTCTRY")
            order = SubmitOrder(
                client_order_id="leak-1",
                symbol="BTCTRY",
                side=Side.BUY,
                price=D("100000"),
                quantity=D("0.01"),
            )
            client.submit_order(order)
            client.user_trades(0)
        finally:
            client.close()
    assert len(transport.signatures) >= 4
    assert any(r.name.startswith("httpcore") for r in capture.records), "DEBUG reached the HTTP stack"
    logged = capture.text() + out.getvalue()
    assert leaked(logged, KEY, SECRET, *transport.signatures) == []


def test_credentials_never_show_the_key_or_the_secret() -> None:
    credentials = Credentials(KEY, SECRET)
    assert leaked(f"{credentials!r} {credentials} {[credentials]}", KEY, SECRET) == []
