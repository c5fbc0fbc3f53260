"""Stage 7 checks: stage 4 under the mode the caller computed (risk budget and anomaly degrade).

Layers in order: safety gate, exchange rules, risk budget (mode), risk policy, capital.

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

__all__ = ["PortfolioContext", "PortfolioLimits", "check_stage7"]


def check_stage7(
    intents: Sequence[OrderIntent], ctx: PortfolioContext, limits: PortfolioLimits
) -> list[Decision]:
    """One Decision per intent, in order. Pure."""
    decisions = run_portfolio_checks(intents, ctx, limits, ModeRestrictions.of(ctx))
    details = mode_details(ctx)
    return [replace(d, details={**d.details, **details}) for d in decisions]
