"""A replay's step against the limits that call market data stale or a strategy's samples broken.

A run over a replay dataset moves its clock by max(dataset step, cycle period) a cycle, starting
on a row (`bot.app.composition`). On a cycle between two rows the data is as old as the time since
the last row: when the cycle period is not a multiple of the step, that age comes back every few
cycles, up to step - gcd(cycle, step). A row missing from the dataset reads as data one step old.

`replay_step_cautions` are warnings, not errors: the run starts, but would stall in REDUCE or
OBSERVE (stage 3: refuse stale data), or its strategies would never warm up.
"""

from __future__ import annotations

from math import ceil, gcd
from typing import Protocol

from bot.config.portfolio_schema import AnomalySettings, BudgetSettings, PortfolioSettings
from bot.config.sections import MarketDataSettings


class Settings(Protocol):
    @property
    def market_data(self) -> MarketDataSettings: ...
    @property
    def budget(self) -> BudgetSettings: ...
    @property
    def anomaly(self) -> AnomalySettings: ...
    @property
    def portfolio(self) -> PortfolioSettings: ...


def _age_limits(s: Settings) -> list[tuple[str, int, bool]]:
    """(key, limit, reached at equality): what each limit does with data `limit` ms old."""
    return [
        ("market_data.max_age_ms", s.market_data.max_age_ms, False),  # stage 3: stale when older
        ("anomaly.stale_data_ms", s.anomaly.stale_data_ms, False),  # stages 4, 7: stale when older
        ("budget.data_age_reduce_ms", s.budget.data_age_reduce_ms, True),  # stage 7: REDUCE at it
        ("budget.data_age_observe_ms", s.budget.data_age_observe_ms, True),  # stage 7: OBSERVE at it
    ]


def _reached(age_ms: int, limit: int, at_equality: bool) -> bool:
    return age_ms > limit or (at_equality and age_ms == limit)


def replay_step_cautions(s: Settings, *, step_ms: int, cycle_seconds: float) -> list[str]:
    """Warnings for a replay of a dataset stepping `step_ms`, cycled every `cycle_seconds`."""
    cycle_ms = max(step_ms, int(cycle_seconds * 1000))
    out = []
    off_step_age = step_ms - gcd(cycle_ms, step_ms)  # 0 when the cycle is a multiple of the step
    reached = [(key, limit) for key, limit, eq in _age_limits(s) if _reached(off_step_age, limit, eq)]
    if off_step_age and reached:
        stage3 = " (stage 3 refuses stale data)" if reached[0][0] == "market_data.max_age_ms" else ""
        out.append(
            f"loop.cycle_seconds ({cycle_seconds}) is not a multiple of the dataset's step ({step_ms} ms):"
            f" every few cycles its data is {off_step_age} ms old, which reaches"
            f" {', '.join(f'{key} ({limit})' for key, limit in reached)}: the run would stall in"
            f" REDUCE/OBSERVE{stage3}; make the cycle a multiple of {step_ms / 1000:g} s or raise them"
        )
    elif _reached(step_ms, s.budget.data_age_observe_ms, True):
        out.append(
            f"budget.data_age_observe_ms ({s.budget.data_age_observe_ms}) is not longer than the"
            f" dataset's step ({step_ms} ms): a row missing from it reads as data {step_ms} ms old, and"
            " stage 7 stops trading (OBSERVE) until it recovers; raise it above"
            f" {step_ms} (and budget.data_age_reduce_ms, anomaly.stale_data_ms with it)"
        )
    sample_gap_ms = ceil(cycle_ms / step_ms) * step_ms
    if s.portfolio.max_sample_gap_ms < sample_gap_ms:
        out.append(
            f"portfolio.max_sample_gap_ms ({s.portfolio.max_sample_gap_ms}) is shorter than the replay's"
            f" {sample_gap_ms} ms between samples: every sample restarts the EMA and momentum windows,"
            f" so stages 4 and 7 never trade; raise it to at least {sample_gap_ms}"
        )
    return out
