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
