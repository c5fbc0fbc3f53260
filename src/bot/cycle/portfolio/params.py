"""Settings turned into the pure parameters of stages 4 and 7 (strategy, risk, capital)."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from bot.config import ConfigError, Settings
from bot.cycle.stage3 import stage3_limits
from bot.risk.anomaly import AnomalyPolicy
from bot.risk.capital import CapitalPolicy
from bot.risk.kill_switch import AutoTripPolicy
from bot.risk.portfolio_context import PortfolioLimits
from bot.risk.risk_budget import BudgetPolicy, Threshold
from bot.strategy.allocation import AllocationParams
from bot.strategy.order_planning import LifecycleParams
from bot.strategy.registry import build_strategies
from bot.strategy.signals import Strategy
from bot.strategy.universe import UniverseParams


@dataclass(frozen=True, slots=True, kw_only=True)
class PortfolioParams:
    quote_asset: str
    candidates: tuple[str, ...]
    depth_levels: int
    universe: UniverseParams
    strategies: tuple[Strategy, ...]
    strategy_weights: dict[str, Decimal]
    allocation: AllocationParams
    lifecycle: LifecycleParams
    limits: PortfolioLimits
    budget: BudgetPolicy
    volatility_window: int
    reject_window_cycles: int
    anomaly: AnomalyPolicy
    capital: CapitalPolicy
    self_financing: bool
    seed_capital_try: Decimal
    auto_trip: AutoTripPolicy
    day_boundary_offset_ms: int
    max_mark_age_ms: int  # how long a held symbol's last known mark may stand in for a missing one


def check_portfolio_settings(settings: Settings) -> None:
    """Raise ConfigError if stages 4 and 7 could not build their parameters from `settings`.

    The schema checks each key and the rules within a section; the parameter types check their
    own invariants again. Checking here, when the configuration is loaded, turns any rule the
    schema missed into a configuration error naming it, rather than a crash at the first cycle.
    """
    try:
        portfolio_params(settings)
    except ValueError as error:
        raise ConfigError(
            f"the stage 4 and 7 settings are inconsistent: {error} (see configs/paper.toml for the"
            " defaults and what each key means)"
        ) from error


def portfolio_params(settings: Settings) -> PortfolioParams:
    return PortfolioParams(
        quote_asset=settings.capital.quote_asset,
        candidates=settings.universe.symbols,
        depth_levels=settings.selection.depth_levels,
        universe=_universe(settings),
        strategies=_strategies(settings),
        strategy_weights=_strategy_weights(settings),
        allocation=_allocation(settings),
        lifecycle=_lifecycle(settings),
        limits=_limits(settings),
        budget=_budget(settings),
        volatility_window=settings.budget.volatility_window,
        reject_window_cycles=settings.budget.reject_window_cycles,
        anomaly=_anomaly(settings),
        capital=_capital(settings),
        self_financing=settings.self_financing.enabled,
        seed_capital_try=settings.self_financing.seed_capital_try,
        auto_trip=_auto_trip(settings),
        day_boundary_offset_ms=settings.accounting.day_boundary_offset_ms,
        max_mark_age_ms=settings.accounting.max_mark_age_ms,
    )


def _universe(settings: Settings) -> UniverseParams:
    sel = settings.selection
    return UniverseParams(
        quote_asset=settings.capital.quote_asset,
        size=sel.size,
        min_volume_quote=sel.min_volume_try,
        max_spread_bps=sel.max_spread_bps,
        min_depth_quote=sel.min_depth_try,
        probation_cycles=sel.probation_cycles,
        cooldown_ms=sel.cooldown_ms,
        max_changes_per_cycle=sel.max_changes_per_cycle,
        fallback=sel.fallback,
    )


def _strategies(settings: Settings) -> tuple[Strategy, ...]:
    pf = settings.portfolio
    return build_strategies(
        {
            "mean_reversion": {
                "period": pf.ema_period,
                "warmup_samples": pf.ema_warmup_samples,
                "band_ratio": str(pf.mean_reversion_band_ratio),
                "max_sample_gap_ms": pf.max_sample_gap_ms,
            },
            "momentum": {
                "lookback": pf.momentum_lookback,
                "scale_ratio": str(pf.momentum_scale_ratio),
                "max_sample_gap_ms": pf.max_sample_gap_ms,
            },
        }
    )


def _strategy_weights(settings: Settings) -> dict[str, Decimal]:
    pf = settings.portfolio
    return {"mean_reversion": pf.mean_reversion_weight, "momentum": pf.momentum_weight}


def _allocation(settings: Settings) -> AllocationParams:
    pf = settings.portfolio
    return AllocationParams(
        quote_asset=settings.capital.quote_asset,
        cash_target_ratio=pf.cash_target_ratio,
        max_weight_per_symbol=pf.max_weight_per_symbol,
        turnover_cap_ratio=pf.turnover_cap_ratio,
        max_orders_per_cycle=settings.risk.max_orders_per_cycle,
        limit_offset_bps=pf.limit_offset_bps,
        min_trade_ratio=pf.min_trade_ratio,
    )


def _lifecycle(settings: Settings) -> LifecycleParams:
    return LifecycleParams(
        drift_bps=settings.portfolio.replace_drift_bps,
        ttl_ms=settings.execution.order_ttl_ms,
        limit_offset_bps=settings.portfolio.limit_offset_bps,
    )


def _limits(settings: Settings) -> PortfolioLimits:
    pr = settings.portfolio_risk
    return PortfolioLimits(
        stage3=stage3_limits(settings),
        max_open_orders=pr.max_open_orders,
        max_position_notional_try=pr.max_position_notional_try,
        max_exposure_try=pr.max_exposure_try,
        min_profit_bps=pr.min_profit_bps,
        sell_fee_ratio=pr.sell_fee_ratio,
        slippage_bps=pr.slippage_bps,
        daily_loss_stop_ratio=pr.daily_loss_stop_ratio,
        drawdown_stop_ratio=pr.drawdown_stop_ratio,
    )


def _budget(settings: Settings) -> BudgetPolicy:
    b = settings.budget
    return BudgetPolicy(
        drawdown=Threshold(reduce_at=b.drawdown_reduce_ratio, observe_at=b.drawdown_observe_ratio),
        daily_loss=Threshold(reduce_at=b.daily_loss_reduce_ratio, observe_at=b.daily_loss_observe_ratio),
        fee_burn=Threshold(reduce_at=b.fee_burn_reduce_ratio, observe_at=b.fee_burn_observe_ratio),
        data_age_ms=Threshold(
            reduce_at=Decimal(b.data_age_reduce_ms), observe_at=Decimal(b.data_age_observe_ms)
        ),
        reject_rate=Threshold(reduce_at=b.reject_rate_reduce_ratio, observe_at=b.reject_rate_observe_ratio),
        reject_rate_min_submits=b.reject_rate_min_submits,
        loss_streak=Threshold(
            reduce_at=Decimal(b.loss_streak_reduce), observe_at=Decimal(b.loss_streak_observe)
        ),
        volatility_halving_bps=b.volatility_halving_bps,
        volatility_observe_bps=b.volatility_observe_bps,
        recovery_cooldown_ms=b.recovery_cooldown_ms,
        recovery_healthy_cycles=b.recovery_healthy_cycles,
        reduce_size_multiplier=b.reduce_size_multiplier,
    )


def _anomaly(settings: Settings) -> AnomalyPolicy:
    a = settings.anomaly
    return AnomalyPolicy(
        window_cycles=a.window_cycles,
        stale_data_ms=a.stale_data_ms,
        stale_cycles_to_reduce=a.stale_cycles_to_reduce,
        stale_cycles_to_observe=a.stale_cycles_to_observe,
        latency_spike_ms=a.latency_spike_ms,
        latency_spikes_to_reduce=a.latency_spikes_to_reduce,
        reject_ratio_to_reduce=a.reject_ratio_to_reduce,
        reject_ratio_to_observe=a.reject_ratio_to_observe,
        min_submits_for_ratio=a.min_submits_for_ratio,
        divergence_ratio_to_reduce=a.divergence_ratio_to_reduce,
        divergence_ratio_to_observe=a.divergence_ratio_to_observe,
        clock_skew_ms_to_reduce=a.clock_skew_ms_to_reduce,
        clock_skew_ms_to_observe=a.clock_skew_ms_to_observe,
        healthy_cycles_to_step_down=a.healthy_cycles_to_step_down,
    )


def _capital(settings: Settings) -> CapitalPolicy:
    return CapitalPolicy(
        cash_reserve_try=settings.capital.cash_reserve_try,
        treasury_ratio=settings.self_financing.treasury_ratio,
    )


def _auto_trip(settings: Settings) -> AutoTripPolicy:
    return AutoTripPolicy(
        max_consecutive_critical_errors=settings.kill_switch.max_consecutive_critical_errors,
        hard_drawdown_ratio=settings.kill_switch.hard_drawdown_ratio,
    )
