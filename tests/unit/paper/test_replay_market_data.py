from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from paper_builders import dataset, row

from bot.exchange import errors
from bot.exchange.replay import DAY_MS, ReplayMarketData, row_from_book
from bot.testing import FakeClock

D = Decimal


def test_before_the_first_row_is_transient() -> None:
    market = ReplayMarketData(dataset([row(1000, "100000", "100100")]), FakeClock(999))
    with pytest.raises(errors.Transient, match="no market data yet"):
        market.ticker("BTCTRY")
    with pytest.raises(errors.Transient):
        market.order_book("BTCTRY")


def test_unknown_symbol_is_fatal() -> None:
    market = ReplayMarketData(dataset([row(1000, "100000", "100100")]), FakeClock(5000))
    with pytest.raises(errors.Fatal):
        market.ticker("ETHTRY")


def test_ticker_uses_latest_row_at_or_before_now_and_keeps_its_timestamp() -> None:
    clock = FakeClock(1000)
    rows = [row(1000, "100000", "100100"), row(2000, "101000", "101100"), row(60_000, "99000", "99100")]
    market = ReplayMarketData(dataset(rows), clock)
    assert market.ticker("BTCTRY").bid == D(100000)
    clock.set(1999)
    assert market.ticker("BTCTRY").ts_ms == 1000
    clock.set(59_999)  # a gap in the data: the ticker stays at the old row and looks stale
    ticker = market.ticker("BTCTRY")
    assert (ticker.bid, ticker.ask, ticker.ts_ms) == (D(101000), D(101100), 2000)
    assert clock.now_ms() - ticker.ts_ms == 57_999


def test_ticker_volume_sums_the_last_24_hours_of_steps() -> None:
    rows = [
        row(0, "1", "2", volume="5"),
        row(1000, "1", "2", volume="1"),
        row(DAY_MS + 500, "1", "2", volume="3"),
    ]
    market = ReplayMarketData(dataset(rows), FakeClock(DAY_MS + 500))
    assert market.ticker("BTCTRY").volume == D(4)


def test_order_book_synthesises_deterministic_levels_around_the_top() -> None:
    market = ReplayMarketData(dataset([row(1000, "100000", "100100", qty="0.5")]), FakeClock(1000))
    book = market.order_book("BTCTRY", 3)
    assert [(lv.price, lv.quantity) for lv in book.bids] == [
        (D(100000), D("0.5")),
        (D(99990), D("1.0")),
        (D(99980), D("1.5")),
    ]
    assert [lv.price for lv in book.asks] == [D(100100), D(100110), D(100120)]
    assert book.ts_ms == 1000
    assert market.order_book("BTCTRY", 3) == book
    top = row_from_book(market.order_book("BTCTRY", 1))
    assert (top.bid, top.ask, top.bid_qty, top.ask_qty, top.ts_ms) == (
        D(100000),
        D(100100),
        D("0.5"),
        D("0.5"),
        1000,
    )


@settings(max_examples=60, deadline=None)
@given(
    volumes=st.lists(
        st.decimals(min_value=0, max_value=10**9, places=8, allow_nan=False, allow_infinity=False),
        min_size=2,
        max_size=40,
    ),
    step_ms=st.sampled_from([60_000, 3_600_000, DAY_MS // 3, DAY_MS]),
    visits=st.lists(st.integers(min_value=0, max_value=39), min_size=1, max_size=12),
)
def test_the_running_day_volume_equals_a_sum_from_scratch_wherever_the_clock_goes(
    volumes: list[D], step_ms: int, visits: list[int]
) -> None:
    rows = [row(i * step_ms, "1", "2", volume=str(v)) for i, v in enumerate(volumes)]
    clock = FakeClock(0)
    market = ReplayMarketData(dataset(rows), clock)
    for visit in visits:  # forwards, backwards (a restart of the rows), and again
        now = min(visit, len(rows) - 1) * step_ms
        clock.set(now)
        expected = sum((r.volume for r in rows if now - DAY_MS < r.ts_ms <= now), D(0))
        assert market.ticker("BTCTRY").volume == expected
