"""What stages 4 and 7 remember between cycles, loaded from and saved to the ledger.

Every piece is a pure state object with `to_json`/`from_json`, stored under its own key of the
ledger's `state` table (`bot.cycle.persisted_state`). Stages 4 and 7 share the keys, so a ledger
can move from one to the other without starting over.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal

from bot.accounting.equity import EquityState
from bot.accounting.marks import Mark
from bot.cycle.persisted_state import load_state, save_state
from bot.cycle.portfolio.valuation import KEY as VALUATION_KEY
from bot.cycle.portfolio.valuation import ValuationRecord
from bot.domain.json_fields import decimal_field, map_field
from bot.domain.money import canonical
from bot.risk.anomaly import AnomalyState
from bot.risk.capital import CapitalState
from bot.risk.risk_budget import BudgetState
from bot.risk.volatility import VolatilityState
from bot.store import Database, UnitOfWork
from bot.strategy.registry import RegistryState
from bot.strategy.universe import UniverseState

KEYS = {
    "universe": "portfolio.universe",
    "strategies": "portfolio.strategies",
    "equity": "portfolio.equity",
    "budget": "portfolio.budget",
    "anomaly": "portfolio.anomaly",
    "capital": "portfolio.capital",
    "volatility": "portfolio.volatility",
    "opening_prices": "portfolio.opening_prices",
}


@dataclass(frozen=True, slots=True, kw_only=True)
class OpeningPrices:
    """Cost basis of base assets held when the ledger opened: the first marks a portfolio cycle saw."""

    prices: Mapping[str, Decimal] = field(default_factory=dict)

    def to_json(self) -> dict[str, object]:
        return {"prices": {symbol: canonical(price) for symbol, price in sorted(self.prices.items())}}

    @classmethod
    def from_json(cls, data: Mapping[str, object]) -> OpeningPrices:
        """Raises StateFieldError naming the bad field (`prices.BTCTRY: ...`)."""
        return cls(prices=map_field(data, "prices", decimal_field))


@dataclass(frozen=True, slots=True, kw_only=True)
class PortfolioMemory:
    universe: UniverseState | None = None
    strategies: RegistryState = field(default_factory=RegistryState)
    equity: EquityState | None = None
    budget: BudgetState | None = None
    anomaly: AnomalyState = field(default_factory=AnomalyState.initial)
    capital: CapitalState | None = None
    volatility: VolatilityState = field(default_factory=VolatilityState)
    opening_prices: OpeningPrices | None = None
    # The last cycle's valuation, recorded by `record_portfolio` under its own key (not KEYS).
    valuation: ValuationRecord | None = None

    def known_marks(self) -> dict[str, Mark]:
        """The marks the last cycle knew, which this one may carry for symbols it has none for."""
        return self.valuation.known_marks() if self.valuation is not None else {}


def load_memory(database: Database) -> PortfolioMemory:
    """Raises StoreError naming the key when a stored state no longer parses."""
    return PortfolioMemory(
        universe=load_state(database, KEYS["universe"], UniverseState.from_json),
        strategies=load_state(database, KEYS["strategies"], RegistryState.from_json) or RegistryState(),
        equity=load_state(database, KEYS["equity"], EquityState.from_json),
        budget=load_state(database, KEYS["budget"], BudgetState.from_json),
        anomaly=load_state(database, KEYS["anomaly"], AnomalyState.from_json) or AnomalyState.initial(),
        capital=load_state(database, KEYS["capital"], CapitalState.from_json),
        volatility=load_state(database, KEYS["volatility"], VolatilityState.from_json) or VolatilityState(),
        opening_prices=load_state(database, KEYS["opening_prices"], OpeningPrices.from_json),
        valuation=load_state(database, VALUATION_KEY, ValuationRecord.from_json),
    )


# Sliding windows and per-symbol anchors that change a little every cycle: recorded as patches.
INCREMENTAL = frozenset({"universe", "strategies", "anomaly", "volatility"})


def save_memory(
    uow: UnitOfWork, memory: PortfolioMemory, ts_ms: int, *, recorded: PortfolioMemory | None = None
) -> None:
    """Record what changed in `memory`. `recorded`: the memory the ledger already holds (the last
    one committed); a part equal to its counterpart there is skipped without serialising it, as
    `save_state` would have found its text unchanged and recorded nothing."""
    for name, key in KEYS.items():
        value = getattr(memory, name)
        if value is None or (recorded is not None and getattr(recorded, name) == value):
            continue
        save_state(uow, key, value.to_json(), ts_ms, incremental=name in INCREMENTAL)
