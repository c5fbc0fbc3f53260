"""Capital checks on balances: sells within free base, buys above the cash reserve with fees."""

from __future__ import annotations

from decimal import Decimal

from bot.domain.decisions import DecisionLayer, ReasonCode
from bot.domain.intents import SubmitIntent
from bot.domain.money import ZERO
from bot.domain.orders import Side
from bot.risk.checks_budget import CycleBudget
from bot.risk.checks_context import CheckContext, Stage3Limits
from bot.risk.checks_outcome import Refused, cap


def cap_to_balances(
    intent: SubmitIntent,
    price: Decimal,
    quantity: Decimal,
    ctx: CheckContext,
    limits: Stage3Limits,
    budget: CycleBudget,
    caps: list[ReasonCode],
) -> Decimal:
    """A sell capped to the free base not yet sold this cycle; a buy capped to what it can pay.

    A buy may spend free quote minus the cash reserve, unresolved buys and this cycle's buys,
    each with the fee allowance, so neither the order nor its fee can breach the reserve.
    """
    rules = ctx.rules[intent.symbol]
    if intent.side is Side.SELL:
        held = ctx.account.free(rules.base) - budget.base_committed.get(rules.base, ZERO)
        if held <= 0:
            raise Refused(DecisionLayer.CAPITAL, ReasonCode.INSUFFICIENT_BASE_BALANCE, free=str(held))
        return cap(quantity, held, ReasonCode.INSUFFICIENT_BASE_BALANCE, caps)
    spendable = (
        ctx.account.free(limits.quote_asset)
        - limits.cash_reserve_try
        - ctx.unresolved_buy_notional_try
        - budget.quote_committed
    )
    if spendable <= 0:
        raise Refused(
            DecisionLayer.CAPITAL,
            ReasonCode.CASH_RESERVE_BREACH,
            free=str(ctx.account.free(limits.quote_asset)),
            reserve=str(limits.cash_reserve_try),
        )
    affordable = spendable / (price * (1 + limits.fee_allowance_ratio))
    return cap(quantity, affordable, ReasonCode.CASH_RESERVE_CAPPED, caps)
