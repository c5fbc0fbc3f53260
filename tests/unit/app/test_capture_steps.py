"""The capture loop on an injected clock: steps on the step's multiples, one read per step, late
steps missed rather than read out of time, a stop ending it after the step in progress."""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal
from pathlib import Path

from bot.app.capture import CapturePlan, capture_steps
from bot.app.capture_report import CaptureProgress
from bot.app.stop import StopFlag
from bot.domain.dataset import MarketRow
from bot.replay import DEFAULT_PAIRS
from bot.replay.sampling import Miss, QuoteSample, SymbolCapture
from bot.testing import FakeClock

STEP_MS = 1_000
T0 = 1_700_000_000_300  # not on a step


class Pacer:
    def __init__(self, clock: FakeClock, stop_at_step_ms: int | None = None) -> None:
        self.clock, self.stop_at = clock, stop_at_step_ms

    def now_ms(self) -> int:
        return self.clock.now_ms()

    def wait_until(self, ts_ms: int) -> bool:
        if self.stop_at is not None and ts_ms >= self.stop_at:
            return False
        self.clock.set(max(self.clock.now_ms(), ts_ms))
        return True


class Market:
    """Fresh data at every read; `slow` maps a read's number to how long it takes (ms)."""

    name, url = "fake", "fake://"

    def __init__(self, clock: FakeClock, slow: dict[int, int] | None = None) -> None:
        self.clock, self.slow, self.reads = clock, slow or {}, 0

    def warm_up(self, symbols: Sequence[str], flag: StopFlag) -> None:
        pass

    def read(self, symbols: Sequence[str]) -> dict[str, QuoteSample | Miss]:
        self.reads += 1
        self.clock.advance(self.slow.get(self.reads, 10))
        quote = QuoteSample(
            bid=Decimal(1_400_000), bid_qty=Decimal(1), ask=Decimal(1_400_100), ask_qty=Decimal(1),
            last=Decimal(1_400_050), volume_24h=Decimal(self.reads), exchange_ts_ms=self.clock.now_ms(),
        )  # fmt: skip
        return dict.fromkeys(symbols, quote)

    def close(self) -> None:
        pass


def run(market: Market, pacer: Pacer, steps: int) -> tuple[tuple[int, int], dict[str, SymbolCapture], list]:
    plan = CapturePlan(
        out_dir=Path("unused"), symbols=("BTCTRY",), step_ms=STEP_MS, duration_ms=steps * STEP_MS
    )
    captures = {"BTCTRY": SymbolCapture(rules=DEFAULT_PAIRS["BTCTRY"].rules, step_ms=STEP_MS)}
    written: list[tuple[str, MarketRow]] = []
    result = capture_steps(
        market, captures, lambda symbol, row: written.append((symbol, row)), plan=plan, pacer=pacer
    )
    return result, captures, written


def test_steps_fall_on_the_steps_multiples_one_row_each() -> None:
    clock = FakeClock(T0)
    (first, ran), captures, written = run(Market(clock), Pacer(clock), steps=4)
    assert first == 1_700_000_001_000 and ran == 4
    assert [row.ts_ms for _, row in written] == [first + i * STEP_MS for i in range(4)]
    assert [row.volume for _, row in written] == [0, 1, 1, 1]  # the 24 h volume rose by 1 a read
    assert captures["BTCTRY"].missed == []


def test_a_step_whose_time_passed_during_a_slow_read_is_late_not_read_out_of_time() -> None:
    clock = FakeClock(T0)
    market = Market(clock, slow={2: 3_500})  # the second read ends half way through the fifth step
    (first, ran), captures, written = run(market, Pacer(clock), steps=6)
    assert ran == 6 and market.reads == 4
    assert [row.ts_ms - first for _, row in written] == [0, 1_000, 4_000, 5_000]
    (late,) = captures["BTCTRY"].missed
    assert (late.start_ms - first, late.end_ms - first, late.steps, late.reason) == (
        2_000,
        3_000,
        2,
        Miss.LATE,
    )


def test_a_stop_ends_the_capture_after_the_step_in_progress() -> None:
    clock = FakeClock(T0)
    first_step = 1_700_000_001_000
    (first, ran), _, written = run(Market(clock), Pacer(clock, stop_at_step_ms=first_step + 3 * STEP_MS), 600)
    assert (first, ran, len(written)) == (first_step, 3, 3)


def test_the_status_line_draws_only_on_a_stream_and_ends_with_a_newline() -> None:
    import io

    captures = {"BTCTRY": SymbolCapture(rules=DEFAULT_PAIRS["BTCTRY"].rules, step_ms=STEP_MS)}
    captures["BTCTRY"].skip(T0, Miss.STALE)
    stream = io.StringIO()
    progress = CaptureProgress(stream, captures, steps=600, step_ms=STEP_MS, monotonic=lambda: 0.0)
    progress.update(12, 1_700_000_012_000)
    progress.update(13, 1_700_000_013_000)  # within the refresh interval: not drawn
    progress.finish()
    assert stream.getvalue() == (
        "\r\x1b[Kstep 12/600 · 22:13:32 UTC · BTCTRY 0 rows, 1 missed · 588 s left"
        "\r\x1b[Kstep 13/600 · 22:13:33 UTC · BTCTRY 0 rows, 1 missed · 587 s left\n"
    )
    quiet = CaptureProgress(None, captures, steps=600, step_ms=STEP_MS)
    quiet.update(1, T0)
    quiet.finish()  # nothing to write to, nothing raised
