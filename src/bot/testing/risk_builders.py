"""Safety states and limits for risk-check tests, so each test states only what it varies."""

from __future__ import annotations

from decimal import Decimal

from bot.risk.portfolio_context import PortfolioLimits
from bot.risk.safety_gate import SafetyState
from bot.risk.stage3_policy import Stage3Limits

D = Decimal

# Paper, not dry-run, no kill switch: the safety gate lets everything through to the checks.
SAFE = SafetyState(live=False, live_armed=False, dry_run=False, kill_switch=False, max_data_age_ms=10_000)


def portfolio_limits(*, max_open_orders_per_symbol: int = 5) -> PortfolioLimits:
    """Round portfolio limits (5,000 TRY per order, 10,000 per position, 30,000 exposure)."""
    stage3 = Stage3Limits(
        max_orders_per_cycle=10,
        max_open_orders_per_symbol=max_open_orders_per_symbol,
        side_cooldown_ms=0,
        max_notional_per_order_try=D("5000"),
        max_notional_per_cycle_try=D("50000"),
        cash_reserve_try=D("1000"),
        quote_asset="TRY",
        fee_allowance_ratio=D("0"),
    )
    return PortfolioLimits(
        stage3=stage3,
        max_open_orders=6,
        max_position_notional_try=D("10000"),
        max_exposure_try=D("30000"),
        min_profit_bps=D("50"),
        sell_fee_ratio=D("0.002"),
        slippage_bps=D("10"),
        daily_loss_stop_ratio=D("0.03"),
        drawdown_stop_ratio=D("0.10"),
    )
