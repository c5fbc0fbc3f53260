"""Books kept fill by fill across cycles equal the books of all the fills, however they arrive."""

from __future__ import annotations

import random
from dataclasses import replace

import pytest
from accounting_builders import QUOTE, D, fill, pair, pairs
from hypothesis import given, settings
from hypothesis import strategies as st
from test_accounting_properties import Scenario, scenarios

from bot.accounting import build_books
from bot.accounting.books import BooksFold, symbols_by_asset
from bot.accounting.running import RunningBooks
from bot.domain.orders import Fill, Side


def _fold(scenario: Scenario, fills: list[Fill]) -> BooksFold:
    fold = BooksFold(
        quote_asset=QUOTE,
        symbol_by_asset=symbols_by_asset(scenario.pairs, QUOTE),
        opening_balances=scenario.opening_balances,
        opening_prices=scenario.opening_prices,
    )
    for f in sorted(fills, key=lambda f: (f.ts_ms, f.trade_id)):
        fold.apply(f, scenario.pairs)
    return fold


@settings(max_examples=150, deadline=None)
@given(scenarios(fees_in_quote_only=False), st.randoms(use_true_random=False))
def test_running_books_equal_the_books_of_every_fill_so_far_in_time_order(
    scenario: Scenario, rnd: random.Random
) -> None:
    fills = [replace(f, ts_ms=10 * i) for i, f in enumerate(scenario.fills)]
    arriving = fills[:]
    rnd.shuffle(arriving)  # late trade reports: some arrive after later ones
    if arriving:
        arriving.insert(rnd.randrange(len(arriving) + 1), rnd.choice(arriving))  # and one twice
    running = RunningBooks(
        quote_asset=QUOTE, opening_balances=scenario.opening_balances, opening_prices=scenario.opening_prices
    )
    running.add([], scenario.pairs)  # a cycle without new fills
    delivered: dict[str, Fill] = {}
    while arriving:
        size = rnd.randint(1, 3)
        batch, arriving = arriving[:size], arriving[size:]
        running.add(batch, scenario.pairs)
        delivered.update({f.trade_id: f for f in batch})
        expected = _fold(scenario, list(delivered.values()))
        assert running.books() == expected.books()
        for since in (0, 10 * len(fills) // 2, 10 * len(fills)):
            assert running.outcomes(since) == expected.outcomes(since)
    assert running.books() == build_books(
        opening_balances=scenario.opening_balances,
        fills=fills,
        pairs=scenario.pairs,
        quote_asset=QUOTE,
        opening_prices=scenario.opening_prices,
    )


def test_fills_in_time_order_are_applied_on_top_without_refolding() -> None:
    btc = pair("BTC", price_scale=0)
    running = RunningBooks(quote_asset=QUOTE, opening_balances={QUOTE: D("10000")}, opening_prices={})
    for ts in range(1, 6):
        running.add([replace(fill("BTCTRY", Side.BUY, "100", "1"), ts_ms=ts)], pairs(btc))
    assert running.refolds == 1  # the first add only
    running.add([replace(fill("BTCTRY", Side.SELL, "150", "1"), ts_ms=3)], pairs(btc))  # a late report
    assert running.refolds == 2
    assert running.books().positions["BTCTRY"].quantity == D("4")


def test_a_fill_the_books_cannot_place_stays_pending_until_its_pair_is_known() -> None:
    eth = pair("ETH")
    running = RunningBooks(quote_asset=QUOTE, opening_balances={QUOTE: D("10000")}, opening_prices={})
    late = fill("ETHTRY", Side.BUY, "100", "2")
    with pytest.raises(ValueError, match="not in pairs"):
        running.add([late], {})
    with pytest.raises(ValueError, match="not in pairs"):
        running.books()
    running.add([], pairs(eth))
    assert running.books().positions["ETHTRY"].quantity == D("2")
