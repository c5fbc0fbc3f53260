"""The one risk-decision envelope used by every stage and layer."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum

from bot.domain.intents import OrderIntent


class Verdict(StrEnum):
    APPROVED = "approved"
    CAPPED = "capped"  # approved with a reduced quantity
    REJECTED = "rejected"


class DecisionLayer(StrEnum):
    SAFETY_GATE = "safety_gate"
    RISK_POLICY = "risk_policy"
    RISK_BUDGET = "risk_budget"
    CAPITAL = "capital"
    EXCHANGE_RULES = "exchange_rules"
    EXECUTION = "execution"


class ReasonCode(StrEnum):
    """Stable codes (stored, logged, metric labels). Documented in runbooks/reason-codes.md."""

    OK = "ok"
    # safety gate
    KILL_SWITCH_ACTIVE = "kill_switch_active"
    DRY_RUN = "dry_run"
    LIVE_NOT_ARMED = "live_not_armed"
    MARKET_DATA_STALE = "market_data_stale"
    MARKET_DATA_MISSING = "market_data_missing"
    SYMBOL_FROZEN = "symbol_frozen"
    EXCHANGE_DEGRADED = "exchange_degraded"
    SYMBOL_NOT_IN_UNIVERSE = "symbol_not_in_universe"
    BALANCE_DRIFT = "balance_drift"
    FOREIGN_ORDER_OPEN = "foreign_order_open"
    ACCOUNT_NOT_FRESH = "account_not_fresh"
    # risk policy
    MAX_ORDERS_PER_CYCLE = "max_orders_per_cycle"
    MAX_OPEN_ORDERS_PER_SYMBOL = "max_open_orders_per_symbol"
    SIDE_COOLDOWN = "side_cooldown"
    NOTIONAL_PER_ORDER_CAPPED = "notional_per_order_capped"
    NOTIONAL_PER_CYCLE_CAPPED = "notional_per_cycle_capped"
    NOTIONAL_PER_CYCLE_EXHAUSTED = "notional_per_cycle_exhausted"
    MAX_OPEN_ORDERS = "max_open_orders"
    POSITION_NOTIONAL_CAPPED = "position_notional_capped"
    POSITION_LIMIT_REACHED = "position_limit_reached"
    EXPOSURE_CAPPED = "exposure_capped"
    EXPOSURE_LIMIT_REACHED = "exposure_limit_reached"
    MIN_PROFIT_NOT_MET = "min_profit_not_met"
    DAILY_LOSS_STOP = "daily_loss_stop"
    DRAWDOWN_STOP = "drawdown_stop"
    # risk budget (stage 7 modes, and anomaly degrade levels, whichever is stricter)
    REDUCE_ONLY = "reduce_only"
    OBSERVE_ONLY = "observe_only"
    VOLATILITY_CAPPED = "volatility_capped"
    # capital
    CASH_RESERVE_CAPPED = "cash_reserve_capped"
    CASH_RESERVE_BREACH = "cash_reserve_breach"
    INSUFFICIENT_BASE_BALANCE = "insufficient_base_balance"
    TRADING_CAPITAL_CAPPED = "trading_capital_capped"
    TRADING_CAPITAL_EXHAUSTED = "trading_capital_exhausted"
    # exchange rules
    RULES_MISSING = "rules_missing"
    SYMBOL_NOT_TRADING = "symbol_not_trading"
    BELOW_MIN_NOTIONAL = "below_min_notional"
    PRICE_OUT_OF_BAND = "price_out_of_band"
    QUANTITY_ROUNDS_TO_ZERO = "quantity_rounds_to_zero"
    # execution
    ORDER_NOT_WORKING = "order_not_working"


@dataclass(frozen=True, slots=True, kw_only=True)
class Decision:
    """The verdict on one intent. `final_intent` is what may be executed (capped if CAPPED)."""

    cycle_id: int
    intent: OrderIntent
    verdict: Verdict
    reason_code: ReasonCode
    layer: DecisionLayer
    final_intent: OrderIntent | None = None
    details: Mapping[str, str] = field(default_factory=dict)

    @property
    def approved(self) -> bool:
        return self.verdict is not Verdict.REJECTED


@dataclass(frozen=True, slots=True)
class ApprovedAction:
    """The only thing the executor accepts. Build it with `approved_actions`, never by hand."""

    decision: Decision
    intent: OrderIntent


def approved_actions(decisions: list[Decision]) -> list[ApprovedAction]:
    actions = []
    for decision in decisions:
        if decision.approved and decision.final_intent is not None:
            actions.append(ApprovedAction(decision, decision.final_intent))
    return actions
