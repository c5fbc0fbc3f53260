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
    line = StatusLine(metrics, out, max_cycles=10, portfolio=True)
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
        " · SLOs failing: retry_ratio\n"
    )


def test_stage_3_has_no_equity_or_mode_to_show():
    line = StatusLine(Metrics(), io.StringIO(), max_cycles=0, portfolio=False)
    assert line.text(1) == "cycle 0 (id 1) · orders 0 · degraded 0 · SLOs ok"


def test_a_backtest_shows_the_dataset_time_its_speed_and_the_time_left():
    metrics, out = Metrics(), io.StringIO()
    ticks = iter([0.0, 2.0])  # started at 0 s; the first update is read at 2 s
    line = StatusLine(
        metrics, out, max_cycles=0, portfolio=False, replay_total=1_000, monotonic=lambda: next(ticks)
    )
    metrics.last_cycle_timestamp_seconds.set(1_704_067_260)  # the replay clock: 2024-01-01 00:01 UTC
    line._cycles = 99  # as if 99 cycles went before this one
    line.update(CycleResult(cycle_id=100, status=CycleStatus.OK, counters={}))
    shown = out.getvalue().split("\r\x1b[K")[-1]
    assert shown.startswith("cycle 100/1000 (id 100) · 2024-01-01 00:01 · 50 cycles/s, about 18 s left")
