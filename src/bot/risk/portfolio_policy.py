"""Stage 4 and 7 checks: every stage 3 check plus the portfolio's limits, under the context's mode.

Layers in order: safety gate, exchange rules, risk budget (mode), risk policy, capital. The
checks are the same for both stages; only the caller's mode differs. Stage 4 passes the anomaly
degrade level as `ctx.mode` (and the size multiplier that comes with it); stage 7 passes the
stricter of the risk budget's mode and the anomaly level, with volatility halving. A NORMAL
context with multiplier 1 gives exactly the stage 4 caps below.

On top of stage 3:

- universe: a buy must be on a symbol of `ctx.universe`; a sell outside it passes only when it
  reduces a held position (SYMBOL_NOT_IN_UNIVERSE).
- loss stops: no new buy once daily_loss_ratio >= daily_loss_stop_ratio (DAILY_LOSS_STOP) or
  drawdown_ratio >= drawdown_stop_ratio (DRAWDOWN_STOP). Sells and cancels still pass.
- minimum profit (sells of a position with a cost basis): refused (MIN_PROFIT_NOT_MET) when
  price x (1 - sell_fee_ratio) < average_cost x (1 + min_profit_bps/10^4) x (1 + slippage_bps/10^4).
  The average cost already includes buy fees; slippage is a margin demanded on top.
- open orders in total: working orders + this cycle's approved submits < max_open_orders.
- notional per order (buys): <= max_notional_per_order_try x capital_scale (sells keep the
  unscaled stage 3 cap, so exits are never slowed by a smaller capital).
- position per symbol (buys): (held + open buy + this cycle's buys + this buy quantity) x
  this buy's price <= max_position_notional_try x capital_scale.
- exposure (buys): sum of positions at the mark + remaining notional of all working buys +
  this cycle's buys + this buy <= max_exposure_try x capital_scale. The mark is the mid
  (bid + ask) / 2; a held symbol without market data counts at its average cost.
- trading capital (buys, layer capital): positions at average cost + open buy notional + this
  cycle's buys + this buy <= trading_capital_try. Then the stage 3 cash reserve, which is never breached.

A cap (position, exposure, trading capital) whose room is below the pair's minimum notional
refuses the order (…_LIMIT_REACHED, TRADING_CAPITAL_EXHAUSTED); a capped order that falls
below the minimum is refused BELOW_MIN_NOTIONAL. Replace is checked at its worst case: the
order it replaces is still working, and it counts (open orders, position, exposure, capital,
balances) until its cancel is confirmed.

The mode (layer risk budget):

- OBSERVE: every submit is refused (OBSERVE_ONLY); cancels still pass.
- REDUCE: buys are refused (REDUCE_ONLY); a sell is capped to the held position less working
  and this cycle's sells (REDUCE_ONLY; refused when nothing is left). The minimum-profit guard
  is off, so losses may be cut.
- `size_multiplier` (clamped to [0, 1]) multiplies the buy caps on notional per order, position
  and exposure. An order cut by the multiplier alone, with `volatility_halved` set, is capped
  VOLATILITY_CAPPED (risk budget); otherwise the cap's own reason is given.

Every decision carries `mode`, and `mode_causes` / `size_multiplier` when set, in its details.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace

from bot.domain.decisions import Decision
from bot.domain.intents import OrderIntent
from bot.risk.portfolio_context import ModeRestrictions, PortfolioContext, PortfolioLimits
from bot.risk.portfolio_mode import mode_details
from bot.risk.portfolio_pipeline import run_portfolio_checks

__all__ = ["PortfolioContext", "PortfolioLimits", "check_portfolio"]


def check_portfolio(
    intents: Sequence[OrderIntent], ctx: PortfolioContext, limits: PortfolioLimits
) -> list[Decision]:
    """One Decision per intent, in order, under `ctx.mode` and `ctx.size_multiplier`. Pure."""
    decisions = run_portfolio_checks(intents, ctx, limits, ModeRestrictions.of(ctx))
    details = mode_details(ctx)
    return [replace(d, details={**d.details, **details}) for d in decisions]
