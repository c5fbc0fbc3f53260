"""A cadence is checked against BTCTurk's per-endpoint rate limits before it degrades the daemon:
the endpoint it overruns and the shortest cycle that fits are named."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.app.read_budget import cadence_warnings, cycle_reads, read_loads
from bot.config import load_settings

SIM = Path(__file__).resolve().parents[3] / "configs" / "sim.toml"


def settings(**dotted: object):
    """The simulator profile, reading the account every cycle unless told otherwise."""
    return load_settings(SIM, {}, {"exchange.account_reads": "every_cycle", **dotted}).settings


def test_an_exchange_account_reads_balances_orders_and_trades_every_cycle():
    s = settings(**{"market_data.feed": "rest", "universe.symbols": '["BTCTRY","ETHTRY","XRPTRY"]'})
    assert cycle_reads(s) == {
        "get /api/v2/ticker": 3,
        "get /api/v2/orderbook": 3,
        "get /api/v1/users/balances": 1,
        "get /api/v1/openorders": 1,
        "get /api/v1/users/transactions/trade": 1,
    }


def test_the_websocket_feed_and_a_paper_account_make_no_read_per_cycle():
    s = settings(**{"exchange.adapter": "paper"})
    assert s.market_data.feed == "websocket" and cycle_reads(s) == {}
    assert cadence_warnings(s, 0.05) == []


@pytest.mark.parametrize(("cycle_s", "overrun"), [(0.25, 2), (0.6, 2), (0.63, 0), (1.0, 0)])
def test_balances_and_trade_history_allow_a_cycle_every_0_63_s_at_80_percent(cycle_s, overrun):
    # 120 a minute each, 96 at exchange.rate_limit_ratio 0.8: 1.6 a second.
    warnings = cadence_warnings(settings(), cycle_s)
    assert len(warnings) == overrun
    if overrun:
        assert "GET /api/v1/users/balances" in warnings[0] and "at least 0.62 s" in warnings[0]


def test_the_slowest_endpoint_comes_first():
    s = settings(**{"market_data.feed": "rest", "universe.symbols": '["BTCTRY","ETHTRY","XRPTRY"]'})
    first = read_loads(s, 0.25)[0]
    assert first.group == "get /api/v2/orderbook"  # 3 books a cycle against 144 a minute
    assert first.shortest_cycle_s == pytest.approx(3 / 2.4)


def test_a_paced_account_never_overruns_its_limits_so_only_market_reads_count():
    paced = settings(**{"exchange.account_reads": "paced"})
    assert cycle_reads(paced) == {} and cadence_warnings(paced, 0.05) == []
    rest = settings(**{"exchange.account_reads": "paced", "market_data.feed": "rest"})
    assert set(cycle_reads(rest)) == {"get /api/v2/ticker", "get /api/v2/orderbook"}
