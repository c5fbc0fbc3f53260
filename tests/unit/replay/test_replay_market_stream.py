"""The replay market source walks each symbol's rows forward with the clock, reading no further
than the row after now, and serves exactly what the whole dataset in memory would."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import pytest
from replay_builders import REPO_ROOT, TEST_RULES, small_rows

from bot.domain.dataset import Dataset, MarketRow
from bot.domain.market import Ticker
from bot.domain.money import ZERO
from bot.exchange import errors
from bot.exchange.matching.book import synthetic_sides
from bot.exchange.replay import DAY_MS, ReplayMarketData
from bot.replay import DEFAULT_PAIRS, generate, load_dataset, open_dataset, write_dataset
from bot.testing import FakeClock

BUNDLED = REPO_ROOT / "replays" / "synthetic"


class GuardedRows:
    """A streamed dataset (one pair) whose rows come from a generator that fails the test when it
    is read past `allowed` rows."""

    def __init__(self, rows: tuple[MarketRow, ...]) -> None:
        self.name = "guarded"
        self.pairs = {"TESTTRY": TEST_RULES}
        self.symbols = ("TESTTRY",)
        self._rows = rows
        self.allowed = 0
        self.read = 0

    def open_rows(self, symbol: str) -> Iterator[MarketRow]:
        for row in self._rows:
            if self.read >= self.allowed:
                raise AssertionError(f"read row {self.read + 1} with {self.allowed} allowed")
            self.read += 1
            yield row


def test_the_source_reads_no_further_than_the_row_after_now() -> None:
    rows = small_rows(100)
    dataset = GuardedRows(rows)
    clock = FakeClock(rows[0].ts_ms - 1)
    market = ReplayMarketData(dataset, clock)  # a fake dataset: name, pairs, symbols, open_rows

    dataset.allowed = 1  # before the first row: only the first is peeked at
    with pytest.raises(errors.Transient):
        market.ticker("TESTTRY")
    for index in (0, 1, 2, 40, 41, 99):
        dataset.allowed = min(index + 2, len(rows))  # up to now, plus the one after
        clock.set(rows[index].ts_ms + 30_000)
        assert market.ticker("TESTTRY").ts_ms == rows[index].ts_ms
        assert market.order_book("TESTTRY", 3).ts_ms == rows[index].ts_ms
    assert dataset.read == len(rows)


def _reference_ticker(dataset: Dataset, symbol: str, now_ms: int) -> Ticker:
    """What the source served when it looked rows up in a dataset held whole in memory."""
    row = dataset.row_at(symbol, now_ms)
    assert row is not None
    window = dataset.rows_between(symbol, row.ts_ms - DAY_MS, row.ts_ms)
    volume = sum((r.volume for r in window), ZERO)
    return Ticker(symbol=symbol, bid=row.bid, ask=row.ask, last=row.last, volume=volume, ts_ms=row.ts_ms)


@pytest.fixture(scope="module")
def two_days(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Longer than the ticker's 24-hour volume window, with a gap: rows leave the window."""
    directory = tmp_path_factory.mktemp("two-days")
    dataset = generate({"BTCTRY": DEFAULT_PAIRS["BTCTRY"]}, 3_000, 60_000, seed=5)
    rows = dataset.rows["BTCTRY"]
    write_dataset(directory, replace(dataset, rows={"BTCTRY": rows[:2_000] + rows[2_100:]}), "unit test")
    return directory


@pytest.mark.parametrize("which", ["bundled", "two_days"])
def test_a_streamed_dataset_serves_what_the_whole_dataset_did(
    which: str, request: pytest.FixtureRequest
) -> None:
    path = BUNDLED if which == "bundled" else request.getfixturevalue("two_days")
    whole = load_dataset(path)
    clock = FakeClock(whole.start_ms)
    streamed = ReplayMarketData(open_dataset(path), clock)
    steps = (whole.end_ms - whole.start_ms) // whole.step_ms + 1
    # Every step and just before the next, the end and past it, then one jump back in time.
    times = [whole.start_ms + i * whole.step_ms + offset for i in range(steps) for offset in (0, 59_999)]
    times += [whole.start_ms + 700 * whole.step_ms, whole.start_ms - 1]
    for now_ms in times:
        clock.set(now_ms)
        for symbol in whole.symbols:
            row = whole.row_at(symbol, now_ms)
            if row is None:
                with pytest.raises(errors.Transient):
                    streamed.ticker(symbol)
                continue
            ticker, expected = streamed.ticker(symbol), _reference_ticker(whole, symbol, now_ms)
            assert (ticker, str(ticker.volume)) == (expected, str(expected.volume))  # same exponent too
            bids, asks = synthetic_sides(row, whole.pairs[symbol], 5)
            book = streamed.order_book(symbol, 5)
            assert (book.bids, book.asks, book.ts_ms) == (bids, asks, row.ts_ms)


def test_a_symbol_the_dataset_lacks_is_fatal() -> None:
    market = ReplayMarketData(open_dataset(BUNDLED), FakeClock(0))
    with pytest.raises(errors.Fatal, match="unknown symbol 'DOGETRY'"):
        market.ticker("DOGETRY")
