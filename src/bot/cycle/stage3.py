"""Stage 3 (`bot run`): fixed symbols, profit-aware entries and exits, per-intent caps."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from bot.config import Settings
from bot.cycle.stage import CycleInputs, StagePlan
from bot.obs.tracing import span
from bot.risk.stage3_policy import CheckContext, Stage3Limits, check_stage3
from bot.strategy.profit_aware import ProfitAwareParams, StrategyView, decide


@dataclass(frozen=True, slots=True)
class Stage3:
    symbol_list: tuple[str, ...]
    params: ProfitAwareParams
    limits: Stage3Limits
    name: str = "3"

    def symbols(self) -> Sequence[str]:
        return self.symbol_list

    def plan(self, inputs: CycleInputs) -> StagePlan:
        intents = decide(
            StrategyView(
                now_ms=inputs.now_ms,
                symbols=self.symbol_list,
                market=inputs.market,
                positions=inputs.view.positions,
                working_orders=inputs.view.working_orders,
                rules=inputs.rules,
            ),
            self.params,
        )
        with span("check"):
            decisions = check_stage3(intents, check_context(inputs), self.limits)
        return StagePlan(decisions=decisions, intents=len(intents))


def check_context(inputs: CycleInputs) -> CheckContext:
    view = inputs.view
    return CheckContext(
        cycle_id=inputs.cycle_id,
        now_ms=inputs.now_ms,
        market=inputs.market,
        account=inputs.account,
        working_orders=view.working_orders,
        last_submit_ms=view.last_submit_ms,
        rules=inputs.rules,
        safety=inputs.safety,
        unresolved_buy_notional_try=view.unresolved_buy_notional,
        foreign_orders=view.foreign_orders,
    )


def strategy_params(settings: Settings) -> ProfitAwareParams:
    s = settings.strategy
    return ProfitAwareParams(
        entry_notional_try=s.entry_notional_try,
        max_entry_spread_bps=s.max_entry_spread_bps,
        entry_offset_bps=s.entry_offset_bps,
        take_profit_margin_bps=s.take_profit_margin_bps,
        take_profit_fraction=s.take_profit_fraction,
        order_ttl_ms=settings.execution.order_ttl_ms,
    )


def stage3_limits(settings: Settings) -> Stage3Limits:
    r = settings.risk
    return Stage3Limits(
        max_orders_per_cycle=r.max_orders_per_cycle,
        max_open_orders_per_symbol=r.max_open_orders_per_symbol,
        side_cooldown_ms=r.side_cooldown_ms,
        max_notional_per_order_try=r.max_notional_per_order_try,
        max_notional_per_cycle_try=r.max_notional_per_cycle_try,
        cash_reserve_try=settings.capital.cash_reserve_try,
        quote_asset=settings.capital.quote_asset,
    )
