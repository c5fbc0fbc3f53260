"""A replay's step against the data-age limits and the strategies' sample gap: cautions only when
the run would really stall (measured: `bot backtest --set loop.cycle_seconds=90` over the bundled
60 s dataset stays in REDUCE for all 959 cycles; an hourly dataset never warms the EMA up)."""

from __future__ import annotations

from bot.config import load_settings
from bot.config.replay_step import replay_step_cautions

MINUTE, HOUR = 60_000, 3_600_000


def cautions(step_ms: int, cycle_seconds: float, **overrides: object) -> list[str]:
    settings = load_settings(None, {}, {k.replace("__", "."): v for k, v in overrides.items()}).settings
    return replay_step_cautions(settings, step_ms=step_ms, cycle_seconds=cycle_seconds)


def test_the_defaults_over_a_minute_dataset_are_quiet():
    assert cautions(MINUTE, 5.0) == []
    assert cautions(MINUTE, 120.0) == []  # a multiple of the step: every cycle lands on a row


def test_a_cycle_off_the_step_ages_the_data_past_the_limits():
    [caution] = cautions(MINUTE, 90.0)
    assert caution.startswith(
        "loop.cycle_seconds (90.0) is not a multiple of the dataset's step (60000 ms): every few cycles"
        " its data is 30000 ms old, which reaches budget.data_age_reduce_ms (30000): the run would stall"
    )
    assert "anomaly.stale_data_ms" not in caution  # stale only when older than 30000
    assert (
        cautions(MINUTE, 90.0, budget__data_age_reduce_ms=30_001, budget__data_age_observe_ms=120_000) == []
    )


def test_an_hourly_dataset_outruns_the_observe_limit_and_the_sample_gap():
    observe, gap = cautions(HOUR, 5.0)
    assert observe.startswith("budget.data_age_observe_ms (120000) is not longer than the dataset's step")
    assert gap.startswith("portfolio.max_sample_gap_ms (900000) is shorter than the replay's 3600000 ms")
    raised = {"budget__data_age_observe_ms": HOUR + 1, "portfolio__max_sample_gap_ms": HOUR}
    assert cautions(HOUR, 5.0, **raised) == []


def test_a_cycle_longer_than_the_step_spaces_the_samples_by_whole_steps():
    [off_step, gap] = cautions(HOUR, 5400.0)
    assert "every few cycles its data is 1800000 ms old" in off_step
    assert "market_data.max_age_ms (120000)" in off_step and "(stage 3 refuses stale data)" in off_step
    assert "7200000 ms between samples" in gap
