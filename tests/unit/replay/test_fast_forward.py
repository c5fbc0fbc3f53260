"""Gap fast-forward (`bot.replay.fast_forward`): a replay clock jumps to one step before the next
row when no symbol has a row for longer than the limit, logs the jump once, and never jumps
over data."""

from __future__ import annotations

import dataclasses
import logging
from pathlib import Path

import pytest
from replay_builders import small_dataset, small_rows

from bot.cycle.clocks import ReplayClock
from bot.domain.dataset import Dataset
from bot.replay import open_dataset, write_dataset
from bot.replay.fast_forward import GapFastForward, Jump, RowTimes, count_cycles

MINUTE = 60_000
HOUR = 60 * MINUTE
YEAR = 365 * 24 * HOUR
T0 = 1_700_000_000_000


def with_gap(before: int, gap_ms: int, after: int) -> Dataset:
    """`before` minute rows, then nothing for `gap_ms` after the last of them, then `after` rows."""
    rows = small_rows(before + after)
    shifted = [
        dataclasses.replace(row, ts_ms=row.ts_ms + gap_ms - MINUTE) if index >= before else row
        for index, row in enumerate(rows)
    ]
    return small_dataset(tuple(shifted))


def walk(dataset: Dataset, max_gap_ms: int) -> list[int]:
    """Every time a replay clock stands at, from the second row to the last."""
    forward = GapFastForward.over(dataset, step_ms=MINUTE, max_gap_ms=max_gap_ms)
    clock = ReplayClock(dataset.start_ms + MINUTE, MINUTE, land=forward.land)
    times = []
    while clock.now_ms() <= dataset.end_ms:
        times.append(clock.now_ms())
        clock.advance()
    return times


def test_a_year_without_rows_is_jumped_to_one_step_before_the_next_row():
    dataset = with_gap(3, YEAR, 3)
    last_before, first_after = T0 + 2 * MINUTE, T0 + 2 * MINUTE + YEAR
    assert walk(dataset, HOUR) == [
        T0 + MINUTE, last_before,  # rows
        first_after - MINUTE,  # the jump: one cycle on the stale row before the gap
        first_after, first_after + MINUTE, first_after + 2 * MINUTE,  # rows
    ]  # fmt: skip


def test_a_gap_within_the_limit_is_walked_and_zero_never_jumps():
    assert len(walk(with_gap(3, HOUR, 3), HOUR)) == 5 + 60 - 1  # 59 empty minutes walked
    assert len(walk(with_gap(3, 2 * HOUR, 3), 0)) == 5 + 120 - 1


def test_a_jump_is_logged_once_with_the_gap(caplog: pytest.LogCaptureFixture):
    with caplog.at_level(logging.WARNING, logger="bot.replay.fast_forward"):
        walk(with_gap(3, YEAR, 3), HOUR)
    (record,) = caplog.records
    assert record.levelno == logging.WARNING
    assert "no data from 2023-11-14T22:15:20Z to 2024-11-13T22:15:20Z (365d 0h 0m)" in record.getMessage()
    assert record.fields["gap_ms"] == YEAR  # type: ignore[attr-defined]


@pytest.mark.parametrize("busy_symbol", ["ABCTRY", "XYZTRY"])  # listed before and after the quiet one
def test_one_symbol_without_rows_while_another_trades_is_not_a_gap(busy_symbol: str):
    quiet = with_gap(3, 3 * HOUR, 3).rows["TESTTRY"]
    busy = small_rows(3 + 3 * HOUR // MINUTE)  # a row every minute through the quiet one's gap
    rules = small_dataset().pairs["TESTTRY"]
    dataset = Dataset(
        name="two",
        step_ms=MINUTE,
        pairs={"TESTTRY": rules, busy_symbol: dataclasses.replace(rules, symbol=busy_symbol)},
        rows={"TESTTRY": quiet, busy_symbol: busy},
    )
    forward = GapFastForward.over(dataset, step_ms=MINUTE, max_gap_ms=HOUR)
    assert [forward.jump(T0 + minute * MINUTE) for minute in range(3, 180)] == [None] * 177


def test_no_jump_on_a_row_before_the_first_or_after_the_last():
    forward = GapFastForward(RowTimes(iter([T0, T0 + YEAR])), step_ms=MINUTE, max_gap_ms=HOUR)
    assert forward.jump(T0 - MINUTE) is None
    assert forward.jump(T0) is None  # the last row before the gap still gets its cycle
    assert forward.jump(T0 + MINUTE) == Jump(
        from_ms=T0 + MINUTE, to_ms=T0 + YEAR - MINUTE, gap_start_ms=T0, gap_end_ms=T0 + YEAR
    )
    assert forward.jump(T0 + YEAR + MINUTE) is None


def test_a_streamed_dataset_reads_its_row_times_from_disk(tmp_path: Path):
    write_dataset(tmp_path / "gap", with_gap(3, YEAR, 3), "test")
    streamed = open_dataset(tmp_path / "gap")
    assert walk(streamed, HOUR) == walk(with_gap(3, YEAR, 3), HOUR)


@pytest.mark.parametrize("max_gap_ms", [0, HOUR, 3 * HOUR])
def test_count_cycles_is_what_the_clock_walks(max_gap_ms: int):
    dataset = with_gap(5, 2 * HOUR, 4)
    assert count_cycles(
        dataset, start_ms=dataset.start_ms + MINUTE, step_ms=MINUTE, max_gap_ms=max_gap_ms
    ) == (len(walk(dataset, max_gap_ms)))
