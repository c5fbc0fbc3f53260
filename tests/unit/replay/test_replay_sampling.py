"""A captured step becomes a row only when the exchange said something new; every other step is
a missed run with its reason, and the step's volume is the rise of the 24 h volume."""

from __future__ import annotations

from decimal import Decimal

from replay_builders import TEST_RULES

from bot.replay.sampling import Miss, MissedRun, QuoteSample, SymbolCapture

D = Decimal
STEP_MS = 1_000
T0 = 1_700_000_000_000


def sample(exchange_ts_ms: int, *, volume: str | None = "100", bid: str = "100.00") -> QuoteSample:
    return QuoteSample(
        bid=D(bid),
        bid_qty=D("1.23456"),  # one more decimal than TESTTRY's quantity scale of 4
        ask=D("100.05"),
        ask_qty=D("2"),
        last=D("100.02"),
        volume_24h=None if volume is None else D(volume),
        exchange_ts_ms=exchange_ts_ms,
    )


def test_fresh_samples_are_rows_at_the_steps_time_with_quantities_on_the_pairs_scale() -> None:
    capture = SymbolCapture(rules=TEST_RULES, step_ms=STEP_MS)
    row = capture.record(T0, sample(T0 - 300))
    assert row is not None and row.ts_ms == T0
    assert (row.bid, row.ask, row.last, row.bid_qty, row.ask_qty) == (
        D("100.00"), D("100.05"), D("100.02"), D("1.2345"), D(2),
    )  # fmt: skip
    assert row.volume == 0  # nothing to compare the first 24 h volume with
    assert capture.rows == 1 and capture.missed == []


def test_a_timestamp_that_does_not_move_is_stale_and_runs_of_misses_join() -> None:
    capture = SymbolCapture(rules=TEST_RULES, step_ms=STEP_MS)
    capture.record(T0, sample(10))
    for i in (1, 2, 3):
        assert capture.record(T0 + i * STEP_MS, sample(10)) is None  # a frozen feed
    assert capture.record(T0 + 4 * STEP_MS, Miss.READ_FAILED) is None
    assert capture.record(T0 + 5 * STEP_MS, sample(11)) is not None
    assert capture.record(T0 + 6 * STEP_MS, sample(9)) is None  # older than the last row's data
    assert capture.missed == [
        MissedRun(start_ms=T0 + STEP_MS, end_ms=T0 + 3 * STEP_MS, steps=3, reason=Miss.STALE),
        MissedRun(start_ms=T0 + 4 * STEP_MS, end_ms=T0 + 4 * STEP_MS, steps=1, reason=Miss.READ_FAILED),
        MissedRun(start_ms=T0 + 6 * STEP_MS, end_ms=T0 + 6 * STEP_MS, steps=1, reason=Miss.STALE),
    ]
    assert capture.missed_steps == 5 and capture.rows == 2
    assert capture.missed_by_reason() == {"read_failed": 1, "stale": 4}


def test_a_step_volume_is_the_rise_of_the_24h_volume_never_below_zero() -> None:
    capture = SymbolCapture(rules=TEST_RULES, step_ms=STEP_MS)
    volumes = ["100", "100.5", "100.5", "99", None, "99.25"]
    rows = [capture.record(T0 + i * STEP_MS, sample(i + 1, volume=v)) for i, v in enumerate(volumes)]
    assert [row.volume for row in rows if row is not None] == [0, D("0.5"), 0, 0, 0, D("0.25")]


def test_a_sample_that_breaks_a_rule_of_the_pair_is_refused_not_written() -> None:
    capture = SymbolCapture(rules=TEST_RULES, step_ms=STEP_MS)
    assert capture.record(T0, sample(1, bid="100.10")) is None  # bid above ask
    assert capture.record(T0 + STEP_MS, sample(2, bid="100.001")) is None  # off the tick
    assert capture.missed_by_reason() == {"refused": 2}
    assert capture.record(T0 + 2 * STEP_MS, sample(3)) is not None
