"""Stages 4 (`bot stage4-run`) and 7 (`bot stage7-run`): the portfolio profile of the cycle.

decide: a dynamic universe over `universe.symbols`, the strategy registry's signals combined
into target weights, allocation within a turnover cap, and cancel/replace of drifted or expired
orders. check: stage 4 caps and stops under the anomaly degrade level (and, in stage 7, the
stricter of that and the risk budget's mode and size multiplier), over one Decision envelope.
Accounting (equity, peak, drawdown, daily PnL, realised PnL for self-financing capital) is
rebuilt from the ledger every cycle. Everything remembered between cycles is recorded with the
cycle's decisions.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from decimal import Decimal

from bot.accounting import Carry, EquityReading, EquityState, day_start, hold_equity, track_equity
from bot.accounting.marks import carried_marks
from bot.cycle.portfolio.books import LedgerAccounts, LedgerBooks, marks_of
from bot.cycle.portfolio.governor import Governance, Observed, govern
from bot.cycle.portfolio.memory import OpeningPrices, PortfolioMemory, load_memory
from bot.cycle.portfolio.params import PortfolioParams
from bot.cycle.portfolio.record import PortfolioReport, record_portfolio, report_portfolio
from bot.cycle.portfolio.valuation import ValuationRecord
from bot.cycle.stage import CycleInputs, StagePlan
from bot.cycle.stage3 import check_context
from bot.domain.cycles import CycleOutcome
from bot.domain.decisions import Decision
from bot.domain.intents import OrderIntent
from bot.domain.money import ZERO
from bot.obs.tracing import span
from bot.risk.capital import CapitalState, checkpoint, scale
from bot.risk.cycle_history import consecutive_critical_errors
from bot.risk.kill_switch import auto_trip_reason
from bot.risk.portfolio_context import PortfolioContext
from bot.risk.portfolio_policy import check_portfolio
from bot.store import Database
from bot.strategy.allocation import allocate, target_weights
from bot.strategy.order_planning import plan_lifecycle
from bot.strategy.registry import combine, run_strategies
from bot.strategy.signals import Signal
from bot.strategy.universe import SymbolStats, UniverseState, select_universe

log = logging.getLogger(__name__)
ONE = Decimal(1)
CYCLE_HISTORY = 50  # completed cycles governance looks back over (the reject window may ask for more)


@dataclass(slots=True)
class PortfolioStage:
    name: str  # "4" or "7"
    params: PortfolioParams
    database: Database
    clock_skew_ms: Callable[[], int]
    report: Callable[[PortfolioReport], None] = lambda report: None
    _memory: PortfolioMemory | None = field(default=None, init=False)
    # The memory as the ledger holds it: set once a cycle's record of it has committed.
    _recorded: PortfolioMemory | None = field(default=None, init=False)
    _books: LedgerBooks | None = field(default=None, init=False)

    def symbols(self) -> Sequence[str]:
        return self.params.candidates

    @property
    def memory(self) -> PortfolioMemory | None:
        """What the stage remembers after its last plan (None before the first)."""
        return self._memory

    def plan(self, inputs: CycleInputs) -> StagePlan:
        memory = self._memory or load_memory(self.database)
        marks = marks_of(inputs.market)
        opening = memory.opening_prices or OpeningPrices(prices=marks)
        carry = Carry(
            marks=carried_marks(memory.known_marks(), marks),
            now_ms=inputs.now_ms,
            max_age_ms=self.params.max_mark_age_ms,
        )
        accounts = self._accounts(inputs, marks, opening, carry)
        if accounts is None:
            return StagePlan(decisions=(), intents=0, notes={"accounting_errors": 1})
        equity_state, reading = self._equity(memory.equity, accounts, inputs.now_ms)
        universe, change = select_universe(
            memory.universe or UniverseState.initial(self.params.universe),
            symbol_stats(inputs, self.params),
            self.params.universe,
            inputs.now_ms,
        )
        members = universe.members
        strategies, signals = run_strategies(
            self.params.strategies, memory.strategies, inputs.market, members
        )
        intents = self._intents(
            inputs, accounts, marks, members, combine(signals, self.params.strategy_weights)
        )
        recent = inputs.recent_cycles.newest_first(max(self.params.reject_window_cycles, CYCLE_HISTORY))
        governance = self._govern(memory, inputs, accounts, reading, members, recent)
        capital = self._capital(memory, accounts)
        kill_reason = auto_trip_reason(
            consecutive_critical_errors=consecutive_critical_errors(recent),
            drawdown_ratio=reading.drawdown_ratio,  # 0 when incomplete: no loss is read from it
            policy=self.params.auto_trip,
        )
        ctx = self._context(inputs, accounts, reading, members, capital, governance, kill_reason is not None)
        with span("check"):
            decisions = check_portfolio(intents, ctx, self.params.limits)
        valuation = ValuationRecord.of(
            cycle_id=inputs.cycle_id,
            now_ms=inputs.now_ms,
            day_boundary_offset_ms=self.params.day_boundary_offset_ms,
            books=accounts.books,
            valuation=accounts.valuation,
            marks=marks,
            carry=carry,
        )
        self._memory = PortfolioMemory(
            universe=universe,
            strategies=strategies,
            equity=equity_state,
            budget=governance.budget,
            anomaly=governance.anomaly,
            capital=capital,
            volatility=governance.volatility,
            opening_prices=opening,
            valuation=valuation,
        )
        report = PortfolioReport(
            stage=self.name,
            cycle_id=inputs.cycle_id,
            now_ms=inputs.now_ms,
            reading=reading,
            accounts=accounts,
            capital=capital,
            governance=governance,
            universe_change=change,
            members=members,
            kill_reason=kill_reason,
            marks=marks,
            valuation=valuation,
            previous_valuation=memory.valuation,
        )
        return self._stage_plan(decisions, len(intents), report, self._memory)

    def _stage_plan(
        self, decisions: Sequence[Decision], intents: int, report: PortfolioReport, memory: PortfolioMemory
    ) -> StagePlan:
        """What the cycle records for this plan (`memory` and the report's events) and does after
        the commit; the memory the ledger already holds is skipped part by part (`save_memory`)."""
        recorded = self._recorded
        tripped: list[bool] = []  # what recording found: did this cycle engage the kill switch?
        return StagePlan(
            decisions=decisions,
            intents=intents,
            record_state=lambda uow: tripped.append(record_portfolio(uow, memory, report, recorded)),
            after_commit=lambda: self._after_commit(
                replace(report, kill_switch_tripped=any(tripped)), recorded=memory
            ),
            notes={"universe": len(report.members), **valuation_notes(report.accounts)},
        )

    def _equity(
        self, state: EquityState | None, accounts: LedgerAccounts, now_ms: int
    ) -> tuple[EquityState | None, EquityReading]:
        """Peak, day and drawdown moved by this cycle's equity, unless its valuation is incomplete:
        then the state stays as it was and nothing is read from the equity (`hold_equity`)."""
        valuation = accounts.valuation
        if not valuation.complete:
            return state, hold_equity(state, valuation.equity)
        return track_equity(
            state, valuation.equity, now_ms, day_boundary_offset_ms=self.params.day_boundary_offset_ms
        )

    def _accounts(
        self, inputs: CycleInputs, marks: Mapping[str, Decimal], opening: OpeningPrices, carry: Carry
    ) -> LedgerAccounts | None:
        """The ledger's books at this cycle's marks; None (logged) when a fill cannot be placed:
        the cycle then trades nothing until an operator understands it."""
        if self._books is None:
            self._books = LedgerBooks(self.database, self.params.quote_asset)
        try:
            return self._books.read(
                rules=inputs.rules,
                marks=marks,
                opening_prices=opening.prices,
                day_start_ms=day_start(inputs.now_ms, self.params.day_boundary_offset_ms),
                carry=carry,
            )
        except ValueError as error:
            log.critical(
                "ledger cannot be accounted; no orders this cycle", extra={"fields": {"error": str(error)}}
            )
            return None

    def _after_commit(self, report: PortfolioReport, *, recorded: PortfolioMemory) -> None:
        self._recorded = recorded
        report_portfolio(report)
        self.report(report)

    def _intents(
        self,
        inputs: CycleInputs,
        accounts: LedgerAccounts,
        marks: Mapping[str, Decimal],
        members: Sequence[str],
        signals: Mapping[str, Signal],
    ) -> list[OrderIntent]:
        p = self.params
        working = inputs.view.working_orders
        lifecycle = plan_lifecycle(
            working_orders=working, marks=marks, rules=inputs.rules, now_ms=inputs.now_ms, params=p.lifecycle
        )
        busy = {i.symbol for i in lifecycle}  # an order being replaced is not also re-allocated
        targets = target_weights(signals, members, p.allocation)
        orders = allocate(
            targets=targets,
            equity_quote=accounts.valuation.equity,
            positions={s: pos.quantity for s, pos in inputs.view.positions.items() if pos.quantity > 0},
            marks=marks,
            rules=inputs.rules,
            working_orders=working,
            params=p.allocation,
            keep=frozenset(members),
        )
        return [*lifecycle, *(o for o in orders if o.symbol not in busy)]

    def _govern(
        self,
        memory: PortfolioMemory,
        inputs: CycleInputs,
        accounts: LedgerAccounts,
        reading: EquityReading,
        members: Sequence[str],
        recent: Sequence[CycleOutcome],
    ) -> Governance:
        observed = Observed(
            now_ms=inputs.now_ms,
            market=inputs.market,
            account=inputs.account,
            rules=inputs.rules,
            universe=members,
            reading=reading,
            accounts=accounts,
            recent_cycles=recent,
            exchange_degraded=inputs.safety.exchange_degraded,
            clock_skew_ms=self.clock_skew_ms(),
        )
        return govern(memory, self.params, observed, budget_governs=self.name == "7")

    def _capital(self, memory: PortfolioMemory, accounts: LedgerAccounts) -> CapitalState:
        realized = accounts.valuation.realized_pnl
        if memory.capital is None:  # first portfolio cycle: gains before it are not trading capital
            start = CapitalState.seeded(self.params.seed_capital_try)
            return replace(start, realized_checkpoint_try=realized)
        return checkpoint(memory.capital, realized, self.params.capital)

    def _context(
        self,
        inputs: CycleInputs,
        accounts: LedgerAccounts,
        reading: EquityReading,
        members: Sequence[str],
        capital: CapitalState,
        governance: Governance,
        kill_tripped: bool,
    ) -> PortfolioContext:
        base = check_context(inputs)
        if kill_tripped:
            base = replace(base, safety=replace(base.safety, kill_switch=True))
        financed = self.params.self_financing
        return PortfolioContext(
            base=base,
            positions=inputs.view.positions,
            universe=frozenset(members),
            drawdown_ratio=reading.drawdown_ratio,
            daily_loss_ratio=reading.daily_loss_ratio,
            # Without self-financing all equity is trading capital and limits are not scaled.
            capital_scale=scale(capital) if financed else ONE,
            trading_capital_try=capital.trading_capital_try
            if financed
            else max(accounts.valuation.equity, ZERO),
            mode=governance.mode,
            mode_causes=governance.causes,
            size_multiplier=governance.size_multiplier,
            volatility_halved=governance.volatility_halved,
        )


def valuation_notes(accounts: LedgerAccounts) -> dict[str, int]:
    """Cycle counters that say the valuation leaned on carried marks, or could not be completed."""
    valuation = accounts.valuation
    notes = {
        "marks_carried": len(valuation.carried_marks),
        "valuation_incomplete": int(not valuation.complete),
    }
    return {name: count for name, count in notes.items() if count}


def symbol_stats(inputs: CycleInputs, params: PortfolioParams) -> dict[str, SymbolStats]:
    """What the universe ranks candidates by, measured from this cycle's market snapshot."""
    stats: dict[str, SymbolStats] = {}
    for symbol in params.candidates:
        data = inputs.market.symbols.get(symbol)
        rules = inputs.rules.get(symbol)
        if data is None or rules is None:
            continue
        depth = ZERO
        if data.book is not None:
            levels = (*data.book.bids[: params.depth_levels], *data.book.asks[: params.depth_levels])
            depth = sum((level.price * level.quantity for level in levels), ZERO)
        stats[symbol] = SymbolStats(
            symbol=symbol,
            quote=rules.quote,
            trading=rules.trading,
            volume_quote=data.volume * data.last,
            spread_bps=data.spread_bps,
            depth_quote=depth,
        )
    return stats
