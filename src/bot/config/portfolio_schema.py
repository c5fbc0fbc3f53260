"""Settings for stages 4 and 7: universe selection, strategies and allocation, portfolio limits,
the risk budget, anomaly degrade levels, self-financing capital, accounting and the kill switch.

Every default is what a first paper run should use; `configs/paper.toml` spells them out.
"""

from __future__ import annotations

from decimal import Decimal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from bot.config.values import Code, ExactDecimal, Integer, QuoteAmount

Ratio = ExactDecimal


class _Group(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class SelectionSettings(_Group):
    """Stage 4/7 dynamic universe over `universe.symbols` (the candidates)."""

    size: Integer = Field(2, ge=1)
    min_volume_try: QuoteAmount = Field(
        Decimal("0"), ge=0, description="least 24h volume of a member, in capital.quote_asset"
    )
    max_spread_bps: ExactDecimal = Field(Decimal("50"), ge=0)
    min_depth_try: QuoteAmount = Field(
        Decimal("0"), ge=0, description="least book depth over depth_levels, in capital.quote_asset"
    )
    depth_levels: Integer = Field(5, ge=1)
    probation_cycles: Integer = Field(3, ge=0)
    cooldown_ms: Integer = Field(3_600_000, ge=0)
    max_changes_per_cycle: Integer = Field(1, ge=1)
    fallback: tuple[Code, ...] = ("BTCTRY",)


class PortfolioSettings(_Group):
    """Decide (stage 4/7): strategy weights, their parameters, allocation and order lifecycle."""

    mean_reversion_weight: Ratio = Field(Decimal("1"), ge=0)
    momentum_weight: Ratio = Field(Decimal("0"), ge=0)
    ema_period: Integer = Field(30, ge=2)
    ema_warmup_samples: Integer = Field(10, ge=1)
    mean_reversion_band_ratio: Ratio = Field(Decimal("0.01"), gt=0)
    momentum_lookback: Integer = Field(20, ge=2)
    momentum_scale_ratio: Ratio = Field(Decimal("0.02"), gt=0)
    cash_target_ratio: Ratio = Field(Decimal("0.3"), ge=0, lt=1)
    max_weight_per_symbol: Ratio = Field(Decimal("0.35"), gt=0, le=1)
    turnover_cap_ratio: Ratio = Field(Decimal("0.1"), gt=0, le=1)
    min_trade_ratio: Ratio = Field(Decimal("0.01"), ge=0, lt=1)
    limit_offset_bps: ExactDecimal = Field(Decimal("5"), ge=0, lt=10_000)
    replace_drift_bps: ExactDecimal = Field(Decimal("50"), gt=0)
    max_sample_gap_ms: Integer = Field(900_000, ge=1)  # a longer gap restarts an EMA or momentum window

    @model_validator(mode="after")
    def _some_strategy(self) -> PortfolioSettings:
        if self.mean_reversion_weight + self.momentum_weight <= 0:
            raise ValueError("portfolio.mean_reversion_weight + portfolio.momentum_weight must be > 0")
        if self.replace_drift_bps <= self.limit_offset_bps:
            # An order is placed limit_offset_bps from the mark: a smaller drift would replace it
            # every cycle.
            raise ValueError(
                f"portfolio.replace_drift_bps ({self.replace_drift_bps}) must exceed"
                f" portfolio.limit_offset_bps ({self.limit_offset_bps})"
            )
        return self


class PortfolioRiskSettings(_Group):
    """Check (stage 4 and 7), on top of the stage 3 `risk` limits."""

    max_open_orders: Integer = Field(6, ge=0)
    max_position_notional_try: QuoteAmount = Field(
        Decimal("30000"), gt=0, description="largest position in one symbol, in capital.quote_asset"
    )
    max_exposure_try: QuoteAmount = Field(
        Decimal("60000"), gt=0, description="largest value held over all symbols, in capital.quote_asset"
    )
    min_profit_bps: ExactDecimal = Field(Decimal("10"), ge=0)
    sell_fee_ratio: Ratio = Field(Decimal("0.0012"), ge=0, lt=1)
    slippage_bps: ExactDecimal = Field(Decimal("5"), ge=0)
    daily_loss_stop_ratio: Ratio = Field(Decimal("0.03"), gt=0, le=1)
    drawdown_stop_ratio: Ratio = Field(Decimal("0.10"), gt=0, le=1)


class BudgetSettings(_Group):
    """Stage 7 risk budget: value >= *_reduce -> REDUCE, >= *_observe -> OBSERVE."""

    drawdown_reduce_ratio: Ratio = Field(Decimal("0.06"), ge=0)
    drawdown_observe_ratio: Ratio = Field(Decimal("0.12"), ge=0)
    daily_loss_reduce_ratio: Ratio = Field(Decimal("0.02"), ge=0)
    daily_loss_observe_ratio: Ratio = Field(Decimal("0.04"), ge=0)
    fee_burn_reduce_ratio: Ratio = Field(Decimal("0.005"), ge=0)
    fee_burn_observe_ratio: Ratio = Field(Decimal("0.01"), ge=0)
    data_age_reduce_ms: Integer = Field(30_000, ge=0)
    data_age_observe_ms: Integer = Field(120_000, ge=0)
    reject_rate_reduce_ratio: Ratio = Field(Decimal("0.3"), ge=0)
    reject_rate_observe_ratio: Ratio = Field(Decimal("0.6"), ge=0)
    reject_rate_min_submits: Integer = Field(10, ge=1)
    loss_streak_reduce: Integer = Field(4, ge=1)
    loss_streak_observe: Integer = Field(8, ge=1)
    volatility_window: Integer = Field(30, ge=2)
    volatility_halving_bps: ExactDecimal = Field(Decimal("40"), gt=0)
    volatility_observe_bps: ExactDecimal = Field(Decimal("150"), gt=0)
    recovery_cooldown_ms: Integer = Field(1_800_000, ge=0)
    recovery_healthy_cycles: Integer = Field(10, ge=1)
    reduce_size_multiplier: Ratio = Field(Decimal("0.5"), gt=0, le=1)
    reject_window_cycles: Integer = Field(20, ge=1)

    @model_validator(mode="after")
    def _ordered(self) -> BudgetSettings:
        pairs = [
            ("drawdown_reduce_ratio", "drawdown_observe_ratio"),
            ("daily_loss_reduce_ratio", "daily_loss_observe_ratio"),
            ("fee_burn_reduce_ratio", "fee_burn_observe_ratio"),
            ("data_age_reduce_ms", "data_age_observe_ms"),
            ("reject_rate_reduce_ratio", "reject_rate_observe_ratio"),
            ("loss_streak_reduce", "loss_streak_observe"),
            ("volatility_halving_bps", "volatility_observe_bps"),
        ]
        wrong = [f"budget.{a} > budget.{b}" for a, b in pairs if getattr(self, a) > getattr(self, b)]
        if wrong:
            raise ValueError("a REDUCE threshold exceeds its OBSERVE threshold: " + "; ".join(wrong))
        return self


class AnomalySettings(_Group):
    window_cycles: Integer = Field(20, ge=1)
    stale_data_ms: Integer = Field(30_000, ge=0)
    stale_cycles_to_reduce: Integer = Field(3, ge=1)
    stale_cycles_to_observe: Integer = Field(6, ge=1)
    latency_spike_ms: Integer = Field(5_000, ge=1)
    latency_spikes_to_reduce: Integer = Field(3, ge=1)
    reject_ratio_to_reduce: Ratio = Field(Decimal("0.3"), ge=0)
    reject_ratio_to_observe: Ratio = Field(Decimal("0.6"), ge=0)
    min_submits_for_ratio: Integer = Field(5, ge=1)
    divergence_ratio_to_reduce: Ratio = Field(Decimal("0.01"), ge=0)
    divergence_ratio_to_observe: Ratio = Field(Decimal("0.05"), ge=0)
    clock_skew_ms_to_reduce: Integer = Field(2_000, ge=0)
    clock_skew_ms_to_observe: Integer = Field(10_000, ge=0)
    healthy_cycles_to_step_down: Integer = Field(5, ge=1)

    @model_validator(mode="after")
    def _ordered(self) -> AnomalySettings:
        pairs = [
            ("stale_cycles_to_reduce", "stale_cycles_to_observe"),
            ("reject_ratio_to_reduce", "reject_ratio_to_observe"),
            ("divergence_ratio_to_reduce", "divergence_ratio_to_observe"),
            ("clock_skew_ms_to_reduce", "clock_skew_ms_to_observe"),
        ]
        wrong = [f"anomaly.{a} > anomaly.{b}" for a, b in pairs if getattr(self, a) > getattr(self, b)]
        counted = ("stale_cycles_to_reduce", "stale_cycles_to_observe", "latency_spikes_to_reduce")
        wrong += [
            f"anomaly.{name} > anomaly.window_cycles ({self.window_cycles}): it could never be reached"
            for name in counted
            if getattr(self, name) > self.window_cycles
        ]
        if wrong:
            raise ValueError(
                "; ".join(wrong) + " (each *_to_reduce must be <= its *_to_observe, every count <="
                " window_cycles)"
            )
        return self


class SelfFinancingSettings(_Group):
    enabled: bool = True
    seed_capital_try: QuoteAmount = Field(
        Decimal("50000"),
        gt=0,
        description="trading capital at the start, that sizes and caps scale by, in capital.quote_asset",
    )
    treasury_ratio: Ratio = Field(Decimal("0.5"), ge=0, le=1)


class AccountingSettings(_Group):
    day_boundary_offset_ms: Integer = Field(0, ge=0, lt=86_400_000)  # 0: UTC midnight
    # A held symbol without a mark is valued at its last known mark for at most this long; then
    # the valuation is incomplete (no peak, drawdown or daily PnL from it, no new orders).
    max_mark_age_ms: Integer = Field(900_000, ge=0)


class KillSwitchSettings(_Group):
    max_consecutive_critical_errors: Integer = Field(5, ge=1)
    hard_drawdown_ratio: Ratio = Field(Decimal("0.15"), gt=0, le=1)
