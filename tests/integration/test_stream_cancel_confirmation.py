"""The private stream's 452 (order deleted) settles a cancel where REST lookups cannot.

Every REST order lookup is held past the client's timeout, so the reconciler's fallback (an
`allOrders` lookup of an order that left the open list) fails each time; only the WebSocket's
report that the order left the book with quantity remaining can record it as canceled.
"""

from __future__ import annotations

import sqlite3

import pytest

from tests.integration.conftest import bot, bot_env

pytestmark = pytest.mark.integration


def test_a_cancel_is_settled_by_the_streams_order_deleted_when_rest_lookups_fail(paced_simulator, tmp_path):
    simulator = paced_simulator
    simulator.set_faults(latency_ms={"GET /api/v1/allorders": [3000, 3000]})
    db = tmp_path / "bot.sqlite"
    env = bot_env(
        simulator.url,
        db,
        BOT_MARKET_DATA__FEED="websocket",
        BOT_MARKET_DATA__WS_URL=simulator.url.replace("http://", "ws://") + "/",
        BOT_EXECUTION__ORDER_TTL_MS="1",  # cycle 1 places, cycle 2 cancels (paced market: no fill)
        BOT_EXCHANGE__TIMEOUT_S="1",
        BOT_EXCHANGE__READ_MAX_ATTEMPTS="1",
    )
    result = bot(["run", "--loop", "--max-cycles", "6", "--cycle-seconds", "0.05"], env)
    assert result.returncode == 0, result.stderr[-3000:]

    with sqlite3.connect(f"file:{db}?mode=ro", uri=True) as conn:
        first_cycle = dict(conn.execute("SELECT exchange_order_id, status FROM orders WHERE cycle_id = 1"))
    on_exchange = {str(o["id"]): o["status"] for o in simulator.account()["orders"]}
    canceled = {eid for eid in first_cycle if on_exchange[eid] == "canceled"}
    assert canceled, "the first cycle's orders were canceled on the exchange a cycle later"
    # Four cycles later, with every REST lookup failing, only the stream can have settled them.
    assert {eid: first_cycle[eid] for eid in canceled} == dict.fromkeys(canceled, "canceled")
