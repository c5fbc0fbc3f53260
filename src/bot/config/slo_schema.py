"""`[slo]`: the thresholds `bot doctor` judges a running bot against (`bot.slo`).

The defaults are what a healthy BTCTurk deployment meets at the shipped cadence; an SLO whose
value exceeds `warn_ratio` of its threshold warns before it fails. runbooks/slo.md says what each
one means and what to do.
"""

from __future__ import annotations

from decimal import Decimal

from pydantic import BaseModel, ConfigDict, Field

from bot.config.values import ExactDecimal, Integer


class SloSettings(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    window_s: Integer = Field(3600, ge=1)  # `bot doctor --window` overrides it
    warn_ratio: ExactDecimal = Field(Decimal("0.8"), gt=0, le=1)
    cycle_latency_p99_ms: Integer = Field(3000, ge=0)
    submit_latency_p99_ms: Integer = Field(2000, ge=0)
    uncertain_submit_ratio: ExactDecimal = Field(Decimal("0.01"), ge=0, le=1)
    reconcile_lag_p99_ms: Integer = Field(60_000, ge=0)
    reconcile_max_age_s: Integer = Field(300, ge=0)
    market_data_age_p99_ms: Integer = Field(10_000, ge=0)
    stale_data_ratio: ExactDecimal = Field(Decimal("0.05"), ge=0, le=1)
    retry_ratio: ExactDecimal = Field(Decimal("0.05"), ge=0)
    rate_limited_ratio: ExactDecimal = Field(Decimal("0.01"), ge=0)
    request_failure_ratio: ExactDecimal = Field(Decimal("0.02"), ge=0, le=1)
    unknown_orders: Integer = Field(0, ge=0)
    balance_drift_cycles: Integer = Field(0, ge=0)  # cycles in a row with the balances apart
    degraded_ratio: ExactDecimal = Field(Decimal("0.05"), ge=0, le=1)
    failed_cycles: Integer = Field(0, ge=0)
    last_cycle_max_age_s: Integer = Field(120, ge=1)  # raised to 3 cycles when loop.cycle_seconds is longer
