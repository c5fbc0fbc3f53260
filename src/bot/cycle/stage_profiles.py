"""Build a stage profile from the settings: stage 3 (`bot run`), 4 (`stage4-run`) or 7 (`stage7-run`)."""

from __future__ import annotations

from collections.abc import Callable

from bot.config import Settings
from bot.cycle.portfolio.params import portfolio_params
from bot.cycle.portfolio.record import export_metrics
from bot.cycle.portfolio.stage import PortfolioStage
from bot.cycle.stage import StageProfile
from bot.cycle.stage3 import Stage3, stage3_limits, strategy_params
from bot.obs.metrics import Metrics
from bot.store.db import Database

STAGES = ("3", "4", "7")


def stage_profile(
    settings: Settings, stage: str, database: Database, metrics: Metrics, clock_skew_ms: Callable[[], int]
) -> StageProfile:
    if stage in ("4", "7"):
        return PortfolioStage(
            name=stage,
            params=portfolio_params(settings),
            database=database,
            clock_skew_ms=clock_skew_ms,
            report=lambda report: export_metrics(metrics, report),
        )
    if stage == "3":
        return Stage3(
            symbol_list=settings.universe.symbols,
            params=strategy_params(settings),
            limits=stage3_limits(settings),
        )
    raise ValueError(f"unknown stage {stage!r}; expected one of {', '.join(STAGES)}")
