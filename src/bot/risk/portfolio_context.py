"""Inputs of the stage 4 and stage 7 checks: portfolio limits, context and mode restrictions."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal

from bot.domain.account import Position
from bot.domain.risk import RiskMode
from bot.risk.checks_context import CheckContext, Stage3Limits

ONE = Decimal(1)


@dataclass(frozen=True, slots=True, kw_only=True)
class PortfolioLimits:
    """Stage 3 limits plus the portfolio-wide ones. Amounts in the quote asset (TRY)."""

    stage3: Stage3Limits
    max_open_orders: int  # working + approved this cycle, all symbols
    max_position_notional_try: Decimal  # per symbol, before capital scale and size multiplier
    max_exposure_try: Decimal  # all symbols, before capital scale and size multiplier
    min_profit_bps: Decimal  # required net gain of a sell over the average cost
    sell_fee_ratio: Decimal  # fee + tax per unit of notional assumed on exits (taker, worst case)
    slippage_bps: Decimal  # margin demanded on top of the minimum profit
    daily_loss_stop_ratio: Decimal  # no new buys once today's loss reaches this share of equity
    drawdown_stop_ratio: Decimal  # no new buys once the drawdown from peak equity reaches this


@dataclass(frozen=True, slots=True, kw_only=True)
class PortfolioContext:
    """The stage 3 context plus the ledger's portfolio view and the caller's mode decision.

    `positions` is keyed by symbol. `daily_loss_ratio` and `drawdown_ratio` are losses as
    positive ratios of equity (0 when there is none). `capital_scale` is trading capital divided
    by the seed (>= 0). `mode` is the mode the caller computed (stage 4: the anomaly degrade
    level; stage 7: the stricter of the risk budget mode and that level), `mode_causes` says
    why; both, with `size_multiplier` ((0, 1]) and `volatility_halved`, are obeyed by both stages.
    """

    base: CheckContext
    positions: Mapping[str, Position]
    universe: frozenset[str]
    drawdown_ratio: Decimal
    daily_loss_ratio: Decimal
    capital_scale: Decimal
    trading_capital_try: Decimal
    mode: RiskMode = RiskMode.NORMAL
    mode_causes: tuple[str, ...] = ()
    size_multiplier: Decimal = ONE
    volatility_halved: bool = False


@dataclass(frozen=True, slots=True, kw_only=True)
class ModeRestrictions:
    """What a mode allows, as the pipeline applies it. NORMAL with multiplier 1 restricts nothing."""

    mode: RiskMode = RiskMode.NORMAL
    size_multiplier: Decimal = ONE
    volatility_halved: bool = False

    @classmethod
    def of(cls, ctx: PortfolioContext) -> ModeRestrictions:
        """The context's mode; a multiplier outside [0, 1] is clamped (it may shrink caps, never widen)."""
        multiplier = min(max(ctx.size_multiplier, Decimal(0)), ONE)
        return cls(mode=ctx.mode, size_multiplier=multiplier, volatility_halved=ctx.volatility_halved)
