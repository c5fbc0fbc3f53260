"""The portfolio governor: the mode and size multiplier the checks obey, from the anomaly degrade
level (stages 4 and 7) and, in stage 7, the risk budget and volatility halving.

Stage 4 obeys the anomaly level alone: stale data, latency or reject spikes, equity divergence
or clock skew move it to REDUCE or OBSERVE. Stage 7 obeys the stricter of that level and the
risk budget's mode. Everything read is computed from the ledger, the account and the market
this cycle; nothing is hard-coded. Stage 4 does not move the budget's stored state (a mode that
is neither obeyed nor recorded must not appear later unexplained): a ledger moved to stage 7
resumes the budget from where stage 7 last left it, and its first transition is recorded.

A cycle whose valuation is incomplete (a holding's last mark is too old) is OBSERVE for that
cycle alone, in both stages, because every order size and loss limit derives from an equity it
does not know. It does not step the risk budget either (its drawdown, daily loss and fee burn
were not measured): the budget stays as the last complete cycle left it.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal

from bot.accounting import EquityReading
from bot.accounting.books import symbols_by_asset
from bot.cycle.portfolio.books import LedgerAccounts
from bot.cycle.portfolio.memory import PortfolioMemory
from bot.cycle.portfolio.params import PortfolioParams
from bot.domain.account import AccountSnapshot
from bot.domain.cycles import CycleOutcome
from bot.domain.market import MarketSnapshot
from bot.domain.money import ZERO
from bot.domain.risk import RiskMode
from bot.domain.symbols import PairRules
from bot.risk.anomaly import AnomalyState, step_anomaly
from bot.risk.cycle_history import observation, submit_outcomes
from bot.risk.risk_budget import BudgetInputs, BudgetOutcome, BudgetState, ModeTransition, step_budget
from bot.risk.volatility import VolatilityState, observe_volatility

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


@dataclass(frozen=True, slots=True, kw_only=True)
class Observed:
    """What this cycle saw, as the governor reads it."""

    now_ms: int
    market: MarketSnapshot
    account: AccountSnapshot
    rules: Mapping[str, PairRules]
    universe: Sequence[str]
    reading: EquityReading
    accounts: LedgerAccounts
    recent_cycles: Sequence[CycleOutcome]
    exchange_degraded: bool
    clock_skew_ms: int


def govern(
    memory: PortfolioMemory, params: PortfolioParams, observed: Observed, *, budget_governs: bool
) -> Governance:
    o, now_ms, reading, accounts = observed, observed.now_ms, observed.reading, observed.accounts
    vol = observe_volatility(memory.volatility, o.market, o.universe, params.volatility_window)
    age = data_age_ms(o.market, o.universe, now_ms)
    before = memory.budget or BudgetState.initial(now_ms)
    inputs = BudgetInputs(
        drawdown_ratio=reading.drawdown_ratio,
        daily_loss_ratio=reading.daily_loss_ratio,
        fee_burn_ratio=_ratio(accounts.outcomes.fees_quote_since, reading.equity - reading.daily_pnl),
        market_data_age_ms=age,
        exchange_degraded=o.exchange_degraded,
        volatility_bps=vol.volatility_bps,
        submits=submit_outcomes(o.recent_cycles[: params.reject_window_cycles]),
        loss_streak=accounts.outcomes.loss_streak,
    )
    budget = step_budget(before, inputs, params.budget, now_ms) if reading.complete else held(before)
    # Both sides valued at the same marks: an asset the ledger could not value is left out of both.
    exchange = exchange_equity(o.account, accounts.prices, o.rules, params.quote_asset)
    divergence = _ratio(abs(reading.equity - exchange), reading.equity)
    anomaly = step_anomaly(
        memory.anomaly,
        observation(o.recent_cycles, data_age_ms=age, divergence=divergence, clock_skew_ms=o.clock_skew_ms),
        params.anomaly,
        now_ms,
    )
    anomaly_causes = tuple(f"anomaly:{c}" for c in anomaly.causes)
    incomplete = incomplete_cause(accounts, params.max_mark_age_ms)
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
    if incomplete is not None:  # this cycle only: not a recorded mode, nothing to recover from
        mode, causes, multiplier = RiskMode.OBSERVE, (*causes, incomplete), ZERO
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


def held(state: BudgetState) -> BudgetOutcome:
    """The budget left as it was: a cycle that measured no drawdown, loss or fee burn neither
    tightens nor loosens it (nor counts as a healthy cycle towards recovery). Such a cycle is
    OBSERVE (`incomplete_cause`), so its size multiplier is 0."""
    return BudgetOutcome(
        state=state, transition=None, target_mode=state.mode, causes=(), size_multiplier=ZERO
    )


def incomplete_cause(accounts: LedgerAccounts, max_mark_age_ms: int) -> str | None:
    """Why the valuation is incomplete (`valuation_incomplete: BTCTRY mark 960000ms old > ...`)."""
    stale = accounts.valuation.stale_marks
    if not stale:
        return None
    ages = ", ".join(f"{symbol} mark {age}ms old" for symbol, age in stale.items())
    return f"valuation_incomplete: {ages} > max_mark_age_ms={max_mark_age_ms}"


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


def exchange_equity(
    account: AccountSnapshot, prices: Mapping[str, Decimal], rules: Mapping[str, PairRules], quote: str
) -> Decimal:
    """The exchange's balances valued at `prices` (the marks the ledger's valuation could use,
    carried ones included). Assets without one are left out, as the ledger's valuation leaves
    them out (and reports them)."""
    symbol_of = symbols_by_asset(rules, quote)
    total = ZERO
    for asset, balance in account.balances.items():
        if asset == quote:
            total += balance.total
        elif (price := prices.get(symbol_of.get(asset, ""))) is not None:
            total += balance.total * price
    return total


def _ratio(part: Decimal, whole: Decimal) -> Decimal:
    return part / whole if whole > 0 else ZERO
