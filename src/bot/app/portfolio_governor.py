"""The portfolio governor: the mode and size multiplier the checks obey, from the anomaly degrade
level (stages 4 and 7) and, in stage 7, the risk budget and volatility halving.

Stage 4 obeys the anomaly level alone: stale data, latency or reject spikes, equity divergence
or clock skew move it to REDUCE or OBSERVE. Stage 7 obeys the stricter of that level and the
risk budget's mode. Everything read is computed from the ledger, the account and the market
this cycle; nothing is hard-coded. Stage 4 does not move the budget's stored state (a mode that
is neither obeyed nor recorded must not appear later unexplained): a ledger moved to stage 7
resumes the budget from where stage 7 last left it, and its first transition is recorded.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal

from bot.accounting import EquityReading
from bot.accounting.books import symbols_by_asset
from bot.app.portfolio_books import LedgerAccounts
from bot.app.portfolio_memory import PortfolioMemory
from bot.app.portfolio_params import PortfolioParams
from bot.domain.account import AccountSnapshot
from bot.domain.market import MarketSnapshot
from bot.domain.money import ZERO
from bot.domain.risk import RiskMode
from bot.domain.symbols import PairRules
from bot.risk.anomaly import AnomalyState, Observation, step_anomaly
from bot.risk.risk_budget import BudgetInputs, BudgetState, ModeTransition, step_budget
from bot.risk.volatility import VolatilityState, observe_volatility
from bot.store.records import CycleRecord

ONE = Decimal(1)
MISSING_DATA_AGE_MS = 10**9  # a universe symbol without data counts as infinitely stale


@dataclass(frozen=True, slots=True, kw_only=True)
class Governance:
    mode: RiskMode
    causes: tuple[str, ...]
    size_multiplier: Decimal
    volatility_halved: bool
    transitions: tuple[tuple[str, ModeTransition], ...]  # (source, transition), source budget|anomaly
    budget: BudgetState | None
    anomaly: AnomalyState
    volatility: VolatilityState
    budget_mode: RiskMode
    anomaly_level: RiskMode
    budget_governs: bool  # stage 7; in stage 4 the budget is stepped but not obeyed


def govern(
    memory: PortfolioMemory,
    params: PortfolioParams,
    *,
    budget_governs: bool,
    now_ms: int,
    market: MarketSnapshot,
    account: AccountSnapshot,
    rules: Mapping[str, PairRules],
    universe: Sequence[str],
    reading: EquityReading,
    accounts: LedgerAccounts,
    recent_cycles: Sequence[CycleRecord],
    exchange_degraded: bool,
    clock_skew_ms: int,
) -> Governance:
    vol = observe_volatility(memory.volatility, market, universe, params.volatility_window)
    age = data_age_ms(market, universe, now_ms)
    budget = step_budget(
        memory.budget or BudgetState.initial(now_ms),
        BudgetInputs(
            drawdown_ratio=reading.drawdown_ratio,
            daily_loss_ratio=reading.daily_loss_ratio,
            fee_burn_ratio=_ratio(accounts.outcomes.fees_quote_since, reading.equity - reading.daily_pnl),
            market_data_age_ms=age,
            exchange_degraded=exchange_degraded,
            volatility_bps=vol.volatility_bps,
            reject_rate=reject_rate(recent_cycles[: params.reject_window_cycles]),
            loss_streak=accounts.outcomes.loss_streak,
        ),
        params.budget,
        now_ms,
    )
    divergence = _ratio(
        abs(reading.equity - exchange_equity(account, market, rules, params.quote_asset)), reading.equity
    )
    anomaly = step_anomaly(
        memory.anomaly,
        observation(recent_cycles, data_age_ms=age, divergence=divergence, clock_skew_ms=clock_skew_ms),
        params.anomaly,
        now_ms,
    )
    anomaly_causes = tuple(f"anomaly:{c}" for c in anomaly.causes)
    changes: tuple[tuple[str, ModeTransition | None], ...]
    if budget_governs:
        mode = budget.state.mode.stricter(anomaly.level)
        halved = vol.volatility_bps > params.budget.volatility_halving_bps
        causes = tuple(dict.fromkeys((*budget.causes, *anomaly_causes)))
        multiplier = _multiplier(mode, budget.state.mode, budget.size_multiplier, halved, params)
        changes = (("budget", budget.transition), ("anomaly", anomaly.changed))
    else:
        mode, halved, causes = anomaly.level, False, anomaly_causes
        multiplier = _multiplier(mode, RiskMode.NORMAL, ONE, halved, params)
        changes = (("anomaly", anomaly.changed),)
    return Governance(
        mode=mode,
        causes=causes,
        size_multiplier=multiplier,
        volatility_halved=halved,
        transitions=tuple((source, t) for source, t in changes if t is not None),
        # Stage 4 leaves the budget as it was: a mode it neither obeys nor records stays unmoved.
        budget=budget.state if budget_governs else memory.budget,
        anomaly=anomaly.state,
        volatility=vol.state,
        budget_mode=budget.state.mode,
        anomaly_level=anomaly.level,
        budget_governs=budget_governs,
    )


def observation(
    recent_cycles: Sequence[CycleRecord], *, data_age_ms: int, divergence: Decimal, clock_skew_ms: int
) -> Observation:
    """What the anomaly detector sees this cycle: the last completed cycle's latency and counters."""
    last = recent_cycles[0] if recent_cycles else None
    return Observation(
        data_age_ms=data_age_ms,
        cycle_latency_ms=(last.duration_ms or 0) if last else 0,
        submits=int(last.counters.get("submitted", 0)) if last else 0,
        rejects=int(last.counters.get("exchange_rejected", 0)) if last else 0,
        equity_divergence_ratio=divergence,
        clock_skew_ms=abs(clock_skew_ms),
    )


def _multiplier(
    mode: RiskMode, budget_mode: RiskMode, budget_multiplier: Decimal, halved: bool, params: PortfolioParams
) -> Decimal:
    """The size multiplier always agrees with the effective mode: 0 only in OBSERVE."""
    if mode is RiskMode.OBSERVE:
        return ZERO
    if mode is budget_mode:
        return budget_multiplier
    # The anomaly level is stricter than the budget (or alone, in stage 4): size as the budget
    # would in that mode.
    multiplier = params.budget.reduce_size_multiplier
    return multiplier / 2 if halved else multiplier


def data_age_ms(market: MarketSnapshot, universe: Sequence[str], now_ms: int) -> int:
    ages = [market.age_ms(s, now_ms) if s in market.symbols else MISSING_DATA_AGE_MS for s in universe]
    return max(ages, default=0)


def reject_rate(cycles: Sequence[CycleRecord]) -> Decimal:
    submitted = sum(int(c.counters.get("submitted", 0)) for c in cycles)
    rejected = sum(int(c.counters.get("exchange_rejected", 0)) for c in cycles)
    return Decimal(rejected) / Decimal(submitted) if submitted else ZERO


def exchange_equity(
    account: AccountSnapshot, market: MarketSnapshot, rules: Mapping[str, PairRules], quote: str
) -> Decimal:
    """The exchange's balances valued at this cycle's mids. Assets without a mark are left out,
    as the ledger's valuation leaves them out (and reports them)."""
    symbol_of = symbols_by_asset(rules, quote)
    total = ZERO
    for asset, balance in account.balances.items():
        if asset == quote:
            total += balance.total
        elif (data := market.symbols.get(symbol_of.get(asset, ""))) is not None:
            total += balance.total * data.mid
    return total


def _ratio(part: Decimal, whole: Decimal) -> Decimal:
    return part / whole if whole > 0 else ZERO
