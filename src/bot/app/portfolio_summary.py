"""The portfolio section of `bot ledger show`: the last cycle's valuation, mode, capital and the
kill switch, read from the ledger's state (nothing is recomputed; `bot ledger verify` does that).
Amounts are shown to 0.01 for reading; the ledger keeps every digit."""

from __future__ import annotations

from bot.accounting import EquityState, track_equity
from bot.app.operator import describe_kill_switch
from bot.cycle.clocks import SystemClock
from bot.cycle.kill_switch import read_kill_switch
from bot.cycle.persisted_state import load_state
from bot.cycle.portfolio.memory import PortfolioMemory, load_memory
from bot.cycle.portfolio.valuation import KEY as VALUATION_KEY
from bot.cycle.portfolio.valuation import ValuationRecord
from bot.domain.money import canonical
from bot.store import Database

TITLE = "Portfolio and kill switch"


def portfolio_lines(database: Database) -> list[str]:
    """Empty for a ledger no portfolio stage (4 or 7) has run on."""
    recorded = load_state(database, VALUATION_KEY, ValuationRecord.from_json)
    memory = load_memory(database)
    lines = [describe_kill_switch(read_kill_switch(database), SystemClock().now_ms())]
    if recorded is None or memory.equity is None:
        return [TITLE, *(f"  {line}" for line in lines)]
    lines[:0] = [
        *_valuation(recorded, memory.equity),
        _modes(memory),
        *_capital(memory, recorded.quote_asset),
    ]
    return [TITLE, *(f"  {line}" for line in lines)]


def _valuation(recorded: ValuationRecord, equity: EquityState) -> list[str]:
    q, cycle = recorded.quote_asset, recorded.cycle_id
    if recorded.incomplete:  # its equity left holdings out: no drawdown or daily PnL to show
        return [
            f"cycle {cycle}: valuation INCOMPLETE, no mark younger than {recorded.max_mark_age_ms} ms for"
            f" {', '.join(recorded.incomplete)}; equity without them {recorded.equity:.2f} {q}, peak"
            f" {equity.peak_equity:.2f}, realised PnL {recorded.realized_pnl:.2f}"
            " (see runbooks/risk-modes-and-kill-switch.md)"
        ]
    offset = recorded.day_boundary_offset_ms
    _, reading = track_equity(equity, recorded.equity, recorded.now_ms, day_boundary_offset_ms=offset)
    lines = [
        f"cycle {cycle}: equity {recorded.equity:.2f} {q}, peak {reading.peak_equity:.2f},"
        f" drawdown {reading.drawdown_ratio:.2%}, daily PnL {reading.daily_pnl:.2f},"
        f" realised PnL {recorded.realized_pnl:.2f}"
    ]
    if recorded.valued_at_carried and recorded.carried_marks is not None:
        carried = recorded.carried_marks
        ages = (f"{s} ({recorded.now_ms - carried[s].as_of_ms} ms old)" for s in recorded.valued_at_carried)
        lines.append(f"valued at carried marks: {', '.join(ages)}")
    return lines


def _modes(memory: PortfolioMemory) -> str:
    budget = memory.budget.mode.value if memory.budget is not None else "normal"
    anomaly = memory.anomaly.level.value
    return f"risk budget {budget} (stage 7 only), anomaly level {anomaly}"


def _capital(memory: PortfolioMemory, quote: str) -> list[str]:
    c = memory.capital
    if c is None:
        return []
    return [
        f"trading capital {c.trading_capital_try:.2f} {quote}, treasury {c.treasury_try:.2f},"
        f" losses {c.losses_try:.2f} (seed {canonical(c.seed_try)})"
    ]


def portfolio_document(database: Database) -> dict[str, object]:
    """The portfolio part of `bot ledger show --json`: the kill switch, and (stages 4 and 7) the last
    valuation, modes and capital as the ledger's state holds them (money exact, as strings)."""
    now = SystemClock().now_ms()
    switch = read_kill_switch(database)
    document: dict[str, object] = {
        "kill_switch": {
            "active": switch.active,
            "engaged": switch.engaged(now),
            "source": switch.source or None,
            "reason": switch.reason or None,
            "since_ms": switch.since_ms,
            "expires_ms": switch.expires_ms,
        },
        "portfolio": None,
    }
    recorded = load_state(database, VALUATION_KEY, ValuationRecord.from_json)
    memory = load_memory(database)
    if recorded is None or memory.equity is None:
        return document
    capital = memory.capital
    document["portfolio"] = {
        "cycle_id": recorded.cycle_id,
        "quote_asset": recorded.quote_asset,
        "valuation": "incomplete" if recorded.incomplete else "complete",
        "equity": canonical(recorded.equity),
        "peak_equity": canonical(memory.equity.peak_equity),
        "realized_pnl": canonical(recorded.realized_pnl),
        "risk_budget_mode": memory.budget.mode.value if memory.budget is not None else None,
        "anomaly_level": memory.anomaly.level.value,
        "capital": None
        if capital is None
        else {
            "trading": canonical(capital.trading_capital_try),
            "treasury": canonical(capital.treasury_try),
            "losses": canonical(capital.losses_try),
            "seed": canonical(capital.seed_try),
        },
    }
    return document
