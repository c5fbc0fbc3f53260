"""The live status line reads the run's own metrics: cycle, equity, mode, orders, degraded cycles
and failing SLOs."""

from __future__ import annotations

import io

from bot.app.status_line import StatusLine
from bot.cycle.run import CycleResult
from bot.domain.cycles import CycleStatus
from bot.obs.metrics import Metrics


def test_the_line_is_rewritten_in_place_with_what_the_metrics_say():
    metrics, out = Metrics(), io.StringIO()
    seconds = iter(range(100))  # every reading a second later: no redraw is skipped
    line = StatusLine(metrics, out, max_cycles=10, portfolio=True, monotonic=lambda: float(next(seconds)))
    metrics.equity.set(100_012.345)
    metrics.risk_mode.labels(source="effective").set(2)
    line.update(CycleResult(cycle_id=7, status=CycleStatus.OK, counters={"submitted": 2}))
    metrics.slo_status.labels(slo="retry_ratio").set(2)
    line.update(CycleResult(cycle_id=8, status=CycleStatus.DEGRADED, counters={}))
    line.finish()
    frames = out.getvalue().split("\r\x1b[K")
    assert (
        frames[1] == "cycle 1/10 (id 7) · equity 100,012.35 · mode observe · orders 2 · degraded 0 · SLOs ok"
    )
    assert frames[2] == (
        "cycle 2/10 (id 8) · equity 100,012.35 · mode observe · orders 2 · degraded 1"
        " · SLOs failing: retry_ratio"
    )
    assert frames[-1] == frames[2] + "\n", "finish draws the last figures and ends the line"


def test_stage_3_has_no_equity_or_mode_to_show():
    line = StatusLine(Metrics(), io.StringIO(), max_cycles=0, portfolio=False)
    assert line.text(1) == "cycle 0 (id 1) · orders 0 · degraded 0 · SLOs ok"


def test_a_backtest_shows_the_dataset_time_its_speed_and_the_time_left():
    metrics, out = Metrics(), io.StringIO()
    ticks = iter([0.0])  # started at 0 s; every later reading is 2 s
    line = StatusLine(
        metrics, out, max_cycles=0, portfolio=False, replay_total=1_000, monotonic=lambda: next(ticks, 2.0)
    )
    metrics.last_cycle_timestamp_seconds.set(1_704_067_260)  # the replay clock: 2024-01-01 00:01 UTC
    line._cycles = 99  # as if 99 cycles went before this one
    line.update(CycleResult(cycle_id=100, status=CycleStatus.OK, counters={}))
    shown = out.getvalue().split("\r\x1b[K")[-1]
    assert shown.startswith("cycle 100/1000 (id 100) · 2024-01-01 00:01 · 50 cycles/s, about 18 s left")


def test_a_fast_run_redraws_ten_times_a_second_and_ends_on_its_last_cycle():
    out, clock = io.StringIO(), iter([0.0, *(i * 0.01 for i in range(1, 200))])
    line = StatusLine(Metrics(), out, max_cycles=0, portfolio=False, monotonic=lambda: next(clock))
    for cycle_id in range(1, 51):  # 50 cycles in 0.5 s
        line.update(CycleResult(cycle_id=cycle_id, status=CycleStatus.OK, counters={}))
    line.finish()
    frames = out.getvalue().split("\r\x1b[K")[1:]
    assert len(frames) <= 7 and frames[-1].startswith("cycle 50 (id 50)")
