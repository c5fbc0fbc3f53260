"""The settings schema: the root `Settings` over the sections (`bot.config.sections`,
`bot.config.portfolio_schema`), checked across keys by `bot.config.consistency`. Defaults are
the paper profile (configs/paper.toml mirrors them).

Units are in the names: `_try` amounts (typed `QuoteAmount`) are Decimal amounts of the account's
quote currency, `capital.quote_asset` (TRY by default; the suffix is historical), `_bps` are basis
points, `_rate`/`_ratio`/`_fraction` are plain ratios (0.0005, not 0.05%), `_ms`/`_s` are durations.
Every key here is read by the app; a key that nothing reads does not belong here.
"""

from __future__ import annotations

from typing import Literal

from pydantic import Field, model_validator

from bot.config.consistency import CrossFieldProblems, cross_field_problems
from bot.config.portfolio_schema import (
    AccountingSettings,
    AnomalySettings,
    BudgetSettings,
    KillSwitchSettings,
    PortfolioRiskSettings,
    PortfolioSettings,
    SelectionSettings,
    SelfFinancingSettings,
)
from bot.config.sections import (
    CapitalSettings,
    ExchangeSettings,
    ExecutionSettings,
    LoopSettings,
    MarketDataSettings,
    ObservabilitySettings,
    PaperSettings,
    ReconcileSettings,
    RiskSettings,
    SafetySettings,
    StoreSettings,
    StrategySettings,
    UniverseSettings,
    _Group,
)
from bot.config.slo_schema import SloSettings
from bot.config.values import quote_amount_keys

LIVE_ACK_PHRASE = "I accept that bot trades real money"
"""`safety.live_ack` must equal this, word for word, for an armed live run."""

SECRET_KEYS = ("exchange.api_key", "exchange.api_secret")


class Settings(_Group):
    mode: Literal["paper", "live"] = "paper"
    exchange: ExchangeSettings = Field(default_factory=ExchangeSettings)
    market_data: MarketDataSettings = Field(default_factory=MarketDataSettings)
    universe: UniverseSettings = Field(default_factory=UniverseSettings)
    strategy: StrategySettings = Field(default_factory=StrategySettings)
    risk: RiskSettings = Field(default_factory=RiskSettings)
    capital: CapitalSettings = Field(default_factory=CapitalSettings)
    execution: ExecutionSettings = Field(default_factory=ExecutionSettings)
    reconcile: ReconcileSettings = Field(default_factory=ReconcileSettings)
    safety: SafetySettings = Field(default_factory=SafetySettings)
    paper: PaperSettings = Field(default_factory=PaperSettings)
    store: StoreSettings = Field(default_factory=StoreSettings)
    observability: ObservabilitySettings = Field(default_factory=ObservabilitySettings)
    loop: LoopSettings = Field(default_factory=LoopSettings)
    selection: SelectionSettings = Field(default_factory=SelectionSettings)
    portfolio: PortfolioSettings = Field(default_factory=PortfolioSettings)
    portfolio_risk: PortfolioRiskSettings = Field(default_factory=PortfolioRiskSettings)
    budget: BudgetSettings = Field(default_factory=BudgetSettings)
    anomaly: AnomalySettings = Field(default_factory=AnomalySettings)
    self_financing: SelfFinancingSettings = Field(default_factory=SelfFinancingSettings)
    accounting: AccountingSettings = Field(default_factory=AccountingSettings)
    kill_switch: KillSwitchSettings = Field(default_factory=KillSwitchSettings)
    slo: SloSettings = Field(default_factory=SloSettings)

    @model_validator(mode="after")
    def _consistent(self) -> Settings:
        problems = cross_field_problems(
            self, live_ack_phrase=LIVE_ACK_PHRASE, money_keys=quote_amount_keys(type(self))
        )
        if problems:
            raise CrossFieldProblems(problems)
        return self


__all__ = [
    "LIVE_ACK_PHRASE",
    "SECRET_KEYS",
    "CapitalSettings",
    "CrossFieldProblems",
    "ExchangeSettings",
    "ExecutionSettings",
    "LoopSettings",
    "MarketDataSettings",
    "ObservabilitySettings",
    "PaperSettings",
    "ReconcileSettings",
    "RiskSettings",
    "SafetySettings",
    "Settings",
    "StoreSettings",
    "StrategySettings",
    "UniverseSettings",
]
