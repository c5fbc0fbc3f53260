"""LocalBook sequencing, the quote state built on it, and the reconnect pacing helpers."""

from __future__ import annotations

import random
from decimal import Decimal

from bot.domain.market import BookLevel
from bot.exchange.btcturk.ws import LocalBook
from bot.exchange.btcturk.ws.backoff import Backoff, ConnectRateLimit
from bot.exchange.btcturk.ws.events import (
    BookDiffReceived,
    BookSnapshotReceived,
    LevelChange,
    LevelChanged,
    TickerUpdated,
)
from bot.exchange.btcturk.ws.quotes import MarketState

D = Decimal


def level(price: int, quantity: str) -> BookLevel:
    return BookLevel(price=D(price), quantity=D(quantity))


def snapshot(cs: int = 10, ts_ms: int | None = 1000) -> BookSnapshotReceived:
    return BookSnapshotReceived(
        symbol="BTCTRY",
        changeset=cs,
        bids=(level(100, "1"), level(99, "2")),
        asks=(level(101, "1"), level(102, "3")),
        ts_ms=ts_ms,
    )


def diff(
    cs: int, *, bids: tuple[LevelChanged, ...] = (), asks: tuple[LevelChanged, ...] = ()
) -> BookDiffReceived:
    return BookDiffReceived(symbol="BTCTRY", changeset=cs, bids=bids, asks=asks, ts_ms=2000 + cs)


def change(kind: LevelChange, price: int, quantity: str) -> LevelChanged:
    return LevelChanged(change=kind, price=D(price), quantity=D(quantity))


def test_snapshot_then_diffs_in_sequence() -> None:
    book = LocalBook("BTCTRY")
    book.apply_snapshot(snapshot())
    assert book.apply_diff(
        diff(
            11,
            bids=(change(LevelChange.INSERTED, 98, "4"), change(LevelChange.DELETED, 100, "0")),
            asks=(change(LevelChange.UPDATED, 101, "0.5"),),
        )
    )
    result = book.order_book(ts_ms=5)
    assert result.bids == (level(99, "2"), level(98, "4"))
    assert result.asks == (level(101, "0.5"), level(102, "3"))
    assert book.changeset == 11 and book.ready and book.ts_ms == 2011


def test_gap_marks_for_resnapshot_until_the_next_snapshot() -> None:
    book = LocalBook("BTCTRY")
    book.apply_snapshot(snapshot(cs=10))
    assert not book.apply_diff(diff(12, asks=(change(LevelChange.DELETED, 101, "0"),)))
    assert book.needs_resnapshot and not book.ready
    assert not book.apply_diff(diff(11))  # even the "right" one: the book is no longer trusted
    assert book.order_book(ts_ms=0).asks[0] == level(101, "1")
    book.apply_snapshot(snapshot(cs=20))
    assert book.ready and book.apply_diff(diff(21))


def test_out_of_order_or_repeated_changeset_needs_resnapshot() -> None:
    for bad in (10, 9):
        book = LocalBook("BTCTRY")
        book.apply_snapshot(snapshot(cs=10))
        assert not book.apply_diff(diff(bad))
        assert book.needs_resnapshot


def test_rows_that_do_not_fit_the_book_need_resnapshot() -> None:
    for row in (change(LevelChange.UPDATED, 50, "1"), change(LevelChange.DELETED, 50, "0")):
        book = LocalBook("BTCTRY")
        book.apply_snapshot(snapshot())
        assert not book.apply_diff(diff(11, bids=(row,)))
        assert book.needs_resnapshot
        assert book.order_book(ts_ms=0).bids == (level(100, "1"), level(99, "2"))  # unchanged


def test_diff_before_any_snapshot_is_ignored() -> None:
    book = LocalBook("BTCTRY")
    assert not book.apply_diff(diff(1))
    assert not book.needs_resnapshot and not book.ready


def test_quote_uses_exchange_timestamps_and_drops_an_untrusted_book() -> None:
    state = MarketState(("BTCTRY",))
    quote = state.apply(snapshot(cs=10, ts_ms=1_000), received_ms=1_050)
    assert quote is not None and quote.book is not None
    assert (quote.bid, quote.ask, quote.exchange_ts_ms) == (D(100), D(101), 1_000)
    assert quote.age_ms(1_400) == 400
    ticker = TickerUpdated(
        symbol="BTCTRY",
        bid=D(99),
        ask=D(103),
        last=D("100.5"),
        bid_quantity=None,
        ask_quantity=None,
        volume=None,
        ts_ms=1_500,
    )
    quote = state.apply(ticker, received_ms=1_600)
    assert quote is not None and quote.last == D("100.5") and quote.exchange_ts_ms == 1_500
    quote = state.apply(diff(12), received_ms=1_700)  # a gap: not news, and the book is dropped
    assert quote is not None and quote.book is None and quote.exchange_ts_ms == 1_500
    assert (quote.bid, quote.ask) == (D(99), D(103))  # the ticker's
    assert state.books["BTCTRY"].needs_resnapshot
    market = quote.to_market()
    assert market is not None and market.ts_ms == 1_500
    assert state.apply(diff(1), received_ms=0) is not None
    other = BookSnapshotReceived(symbol="ETHTRY", changeset=1, bids=(), asks=(), ts_ms=1)
    assert state.apply(other, received_ms=0) is None


def test_a_quote_carries_the_latest_tickers_24h_volume() -> None:
    state = MarketState(("BTCTRY",))
    quote = state.apply(snapshot(cs=10, ts_ms=1_000), received_ms=1_050)
    assert quote is not None and quote.volume is None  # no ticker yet
    for volume in (D("12.5"), D("13.25")):
        ticker = TickerUpdated(
            symbol="BTCTRY", bid=D(99), ask=D(103), last=D(100), bid_quantity=None, ask_quantity=None,
            volume=volume, ts_ms=1_500,
        )  # fmt: skip
        quote = state.apply(ticker, received_ms=1_600)
        assert quote is not None and quote.volume == volume


def test_backoff_is_exponential_with_full_jitter_and_resets() -> None:
    backoff = Backoff(0.5, 4.0, random.Random(1))
    delays = [backoff.next_delay_s() for _ in range(6)]
    ceilings = [0.5, 1.0, 2.0, 4.0, 4.0, 4.0]
    assert all(0 <= d <= c for d, c in zip(delays, ceilings, strict=True))
    assert len(set(delays)) == 6
    backoff.reset()
    assert backoff.attempt == 0 and backoff.next_delay_s() <= 0.5


def test_connect_rate_limit_is_fifteen_per_sliding_minute() -> None:
    limit = ConnectRateLimit()
    for i in range(15):
        assert limit.wait_ms(1_000 + i) == 0
        limit.record(1_000 + i)
    assert limit.wait_ms(2_000) == 60_000 - 1_000
    assert limit.wait_ms(61_000) == 0
