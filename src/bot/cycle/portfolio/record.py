"""What a portfolio cycle records (in the unit of work of its decisions) and reports afterwards.

Recorded: the cycle's valuation (`bot.cycle.portfolio.valuation`), every remembered state, each mode
transition as a `RiskModeChanged` event with its causes, each universe change as
`UniverseChanged`, an automatic kill-switch trip as `KillSwitchChanged`. Reported after the
commit: one log line per transition and per universe change, and a `portfolio` log line with
equity, drawdown, daily PnL, capital and mode.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal

from bot.accounting import EquityReading
from bot.cycle.kill_switch import KEY as KILL_SWITCH_KEY
from bot.cycle.persisted_state import load_state, save_state
from bot.cycle.portfolio.books import LedgerAccounts
from bot.cycle.portfolio.governor import Governance
from bot.cycle.portfolio.memory import PortfolioMemory, save_memory
from bot.cycle.portfolio.valuation import KEY as VALUATION_KEY
from bot.cycle.portfolio.valuation import ValuationRecord
from bot.domain.money import canonical
from bot.obs.metrics import Metrics
from bot.risk.capital import CapitalState
from bot.risk.kill_switch import KillSwitch, tripped_by_rule
from bot.store import UnitOfWork
from bot.store.ledger_events import KillSwitchChanged, RiskModeChanged, UniverseChanged
from bot.strategy.universe import UniverseChange

log = logging.getLogger("bot.portfolio")


@dataclass(frozen=True, slots=True, kw_only=True)
class PortfolioReport:
    stage: str
    cycle_id: int
    now_ms: int
    reading: EquityReading
    accounts: LedgerAccounts
    capital: CapitalState
    governance: Governance
    universe_change: UniverseChange
    members: tuple[str, ...]
    kill_reason: str | None  # a rule calls for the kill switch this cycle
    marks: Mapping[str, Decimal]
    valuation: ValuationRecord  # what this cycle valued the ledger at
    previous_valuation: ValuationRecord | None  # the last cycle's: what changed is logged
    kill_switch_tripped: bool = False  # this cycle engaged it (set once recorded)


def record_portfolio(
    uow: UnitOfWork, memory: PortfolioMemory, report: PortfolioReport, recorded: PortfolioMemory | None = None
) -> bool:
    """Record the cycle's state and events; True when this cycle engaged the kill switch.
    `recorded`: the memory the ledger already holds, if known (`save_memory`)."""
    now = report.now_ms
    # Before the equity state it explains (which an incomplete valuation leaves unchanged).
    save_state(uow, VALUATION_KEY, report.valuation.to_json(), now)
    save_memory(uow, memory, now, recorded=recorded)
    for source, t in report.governance.transitions:
        uow.record(
            RiskModeChanged(
                source=source,
                from_mode=t.from_mode.value,
                to_mode=t.to_mode.value,
                causes=tuple(t.causes),
                cycle_id=report.cycle_id,
                ts_ms=now,
            )
        )
    change = report.universe_change
    if change.added or change.removed:
        uow.record(
            UniverseChanged(
                added=tuple(change.added),
                removed=tuple(change.removed),
                reasons=dict(change.reasons),
                members=tuple(report.members),
                cycle_id=report.cycle_id,
                ts_ms=now,
            )
        )
    if report.kill_reason is None:
        return False
    current = load_state(uow, KILL_SWITCH_KEY, KillSwitch.from_json) or KillSwitch.off()
    switch = tripped_by_rule(current, reason=report.kill_reason, now_ms=now)
    if switch is None:  # already engaged: latched, nothing changes
        return False
    uow.record(
        KillSwitchChanged(switch=switch.to_json(), action="tripped", note=report.kill_reason, ts_ms=now)
    )
    return True


def report_portfolio(report: PortfolioReport) -> None:
    g = report.governance
    for source, t in g.transitions:
        log.warning(
            "risk mode changed",
            extra={
                "fields": {
                    "source": source,
                    "from_mode": t.from_mode.value,
                    "to_mode": t.to_mode.value,
                    "causes": list(t.causes),
                    "effective_mode": g.mode.value,
                }
            },
        )
    change = report.universe_change
    if change.added or change.removed:
        log.info(
            "universe changed",
            extra={
                "fields": {
                    "added": list(change.added),
                    "removed": list(change.removed),
                    "reasons": dict(change.reasons),
                    "members": list(report.members),
                }
            },
        )
    if report.kill_switch_tripped:  # once, on the transition; not every cycle while latched
        log.critical("kill switch tripped automatically", extra={"fields": {"reason": report.kill_reason}})
    books, valuation = report.accounts.books, report.accounts.valuation
    problems = {  # a holding whose mark went stale is said once, by report_marks
        "missing_marks": len(valuation.unpriced),
        "unconverted_fees": len(books.unconverted_fees),
        "missing_opening_prices": len(books.missing_opening_prices),
    }
    if any(problems.values()):
        log.warning("accounting incomplete", extra={"fields": {k: v for k, v in problems.items() if v}})
    report_marks(report)
    r = report.reading
    measured = r.complete  # an incomplete valuation measures no drawdown or daily PnL
    log.info(
        "portfolio",
        extra={
            "fields": {
                "equity": canonical(r.equity),
                "valuation": "complete" if measured else "incomplete",
                "peak_equity": canonical(r.peak_equity),
                "drawdown_ratio": canonical(r.drawdown_ratio) if measured else None,
                "daily_pnl": canonical(r.daily_pnl) if measured else None,
                "realized_pnl": canonical(valuation.realized_pnl),
                "unrealized_pnl": canonical(valuation.unrealized_pnl_total),
                "trading_capital": canonical(report.capital.trading_capital_try),
                "treasury": canonical(report.capital.treasury_try),
                "mode": g.mode.value,
                "size_multiplier": canonical(g.size_multiplier),
                "universe": list(report.members),
                "marks": {symbol: canonical(mark) for symbol, mark in sorted(report.marks.items())},
                "carried_marks_age_ms": dict(valuation.carried_marks),
            }
        },
    )


def report_marks(report: PortfolioReport) -> None:
    """Say when holdings start being valued at carried marks, and when the valuation becomes
    incomplete or complete again: on the change, not every cycle it lasts."""
    now, before = report.valuation, report.previous_valuation
    valuation = report.accounts.valuation
    if now.valued_at_carried and (before is None or before.valued_at_carried != now.valued_at_carried):
        log.warning(
            "holdings valued at carried marks",
            extra={
                "fields": {
                    "age_ms": dict(valuation.carried_marks),
                    "max_mark_age_ms": now.max_mark_age_ms,
                    "why": "no market data for these symbols this cycle; their last marks stand in",
                }
            },
        )
    if now.incomplete and (before is None or before.incomplete != now.incomplete):
        log.error(
            "valuation incomplete",
            extra={
                "fields": {
                    "age_ms": dict(valuation.stale_marks),
                    "max_mark_age_ms": now.max_mark_age_ms,
                    "effect": "equity, peak, drawdown and daily PnL not updated; no new orders",
                    "runbook": "runbooks/risk-modes-and-kill-switch.md#valuation-incomplete",
                }
            },
        )
    elif not now.incomplete and before is not None and before.incomplete:
        log.warning("valuation complete again", extra={"fields": {"was_incomplete": list(before.incomplete)}})


_MODE_LEVEL = {"normal": 0, "reduce": 1, "observe": 2}


def export_metrics(metrics: Metrics, report: PortfolioReport) -> None:
    r, g = report.reading, report.governance
    if r.complete:  # an incomplete valuation measured none of them: the last measured values stand
        metrics.equity.set(float(r.equity))
        metrics.drawdown_ratio.set(float(r.drawdown_ratio))
        metrics.daily_pnl.set(float(r.daily_pnl))
    metrics.capital.labels(bucket="trading").set(float(report.capital.trading_capital_try))
    metrics.capital.labels(bucket="treasury").set(float(report.capital.treasury_try))
    metrics.universe_size.set(len(report.members))
    if report.kill_reason is not None:  # tripped this cycle: do not wait for the next cycle's read
        metrics.kill_switch_engaged.set(1)
    books, valuation = report.accounts.books, report.accounts.valuation
    metrics.accounting_problems.labels(kind="missing_marks").set(len(valuation.missing_marks))
    metrics.accounting_problems.labels(kind="carried_marks").set(len(valuation.carried_marks))
    metrics.accounting_problems.labels(kind="stale_marks").set(len(valuation.stale_marks))
    metrics.accounting_problems.labels(kind="unconverted_fees").set(len(books.unconverted_fees))
    metrics.accounting_problems.labels(kind="missing_opening_prices").set(len(books.missing_opening_prices))
    levels = [("anomaly", g.anomaly_level), ("effective", g.mode)]
    if g.budget_governs:
        levels.append(("budget", g.budget_mode))
    for source, mode in levels:
        metrics.risk_mode.labels(source=source).set(_MODE_LEVEL[mode.value])
    for source, t in g.transitions:
        metrics.risk_mode_changes_total.labels(
            source=source, from_mode=t.from_mode.value, to_mode=t.to_mode.value
        ).inc()
