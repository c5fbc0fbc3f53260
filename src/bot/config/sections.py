"""The settings sections of the core (exchange, market data, risk, store, ...); the root
`Settings` that holds them and the portfolio sections is in `bot.config.schema`.

Units are in the names: `_try` amounts (typed `QuoteAmount`) are Decimal amounts of the account's
quote currency, `capital.quote_asset` (TRY by default; the suffix is historical), `_bps` are basis
points, `_rate`/`_ratio`/`_fraction` are plain ratios (0.0005, not 0.05%), `_ms`/`_s` are durations.
"""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

from bot.config.api_keys import ApiKey, ApiSecret
from bot.config.values import Code, ExactDecimal, HttpUrlText, Integer, QuoteAmount, Seconds


def _upper_case(value: object) -> object:
    return value.upper() if isinstance(value, str) else value


class _Group(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class ExchangeSettings(_Group):
    adapter: Literal["paper", "btcturk"] = "paper"
    base_url: HttpUrlText = "https://api.btcturk.com"
    graph_base_url: HttpUrlText = "https://graph-api.btcturk.com"
    timeout_s: Seconds = Field(5.0, gt=0)
    read_max_attempts: Integer = Field(4, ge=1)
    retry_base_delay_s: Seconds = Field(0.2, ge=0)
    retry_max_delay_s: Seconds = Field(5.0, ge=0)
    retry_budget_s: Seconds = Field(15.0, gt=0)
    rate_limit_ratio: Seconds = Field(0.8, gt=0, le=1)  # use this share of BTCTurk's published limits
    max_rate_wait_s: Seconds = Field(5.0, ge=0)  # a longer wait for a rate-limit slot fails the call
    breaker_failure_threshold: Integer = Field(5, ge=1)  # consecutive failures: exchange degraded
    breaker_probe_interval_s: Seconds = Field(15.0, gt=0)
    max_clock_skew_ms: Integer = Field(1_000, ge=0)  # reported beyond this
    clock_sync_interval_s: Seconds = Field(300.0, gt=0)  # re-measure the exchange's clock this often
    # "paced": balances, open orders and fills are read over REST only as often as their rate
    # limits allow; a cycle in between reuses the last read and submits nothing (cancels still go).
    # "every_cycle": read them every cycle (a cycle faster than the limits allow then degrades).
    account_reads: Literal["paced", "every_cycle"] = "paced"
    # Never from TOML: env BOT_EXCHANGE__API_KEY / BOT_EXCHANGE__API_SECRET, or the *_file keys.
    api_key: ApiKey | None = None
    api_secret: ApiSecret | None = None  # base64, as BTCTurk issues it
    api_key_file: Path | None = None
    api_secret_file: Path | None = None


class MarketDataSettings(_Group):
    source: Literal["replay", "exchange"] = "replay"
    dataset: Path = Path("replays/synthetic")
    max_age_ms: Integer = Field(120_000, gt=0)
    book_depth: Integer = Field(20, ge=1)
    feed: Literal["rest", "websocket"] = "rest"
    ws_url: str = Field("wss://ws-feed-pro.btcturk.com", pattern=r"^wss?://")
    fallback_age_ms: Integer = Field(5_000, gt=0)
    rest_reads: Literal["concurrent", "sequential"] = "concurrent"
    # A replay whose next row is further away than this (no symbol has one) jumps to one step
    # before it instead of walking empty cycles; 0: never (bot.replay.fast_forward).
    replay_max_gap_s: Seconds = Field(3600.0, ge=0)


class UniverseSettings(_Group):
    symbols: tuple[Code, ...] = ("BTCTRY", "ETHTRY")

    @field_validator("symbols")
    @classmethod
    def _non_empty_unique(cls, symbols: tuple[str, ...]) -> tuple[str, ...]:
        if not symbols:
            raise ValueError('must list at least one symbol, e.g. symbols = ["BTCTRY"]')
        duplicates = sorted({s for s in symbols if symbols.count(s) > 1})
        if duplicates:
            raise ValueError(f"symbols must be unique; listed more than once: {', '.join(duplicates)}")
        return symbols


class StrategySettings(_Group):
    entry_notional_try: QuoteAmount = Field(
        Decimal("500"), gt=0, description="size of one stage 3 entry order, in capital.quote_asset"
    )
    max_entry_spread_bps: ExactDecimal = Field(Decimal("40"), ge=0)
    entry_offset_bps: ExactDecimal = Field(Decimal("5"), ge=0)
    take_profit_margin_bps: ExactDecimal = Field(Decimal("60"), ge=0)
    take_profit_fraction: ExactDecimal = Field(Decimal("0.5"), gt=0, le=1)


class RiskSettings(_Group):
    max_orders_per_cycle: Integer = Field(4, ge=0)
    max_open_orders_per_symbol: Integer = Field(1, ge=0)
    side_cooldown_ms: Integer = Field(60_000, ge=0)
    max_notional_per_order_try: QuoteAmount = Field(
        Decimal("2000"), gt=0, description="largest order (larger ones are capped), in capital.quote_asset"
    )
    max_notional_per_cycle_try: QuoteAmount = Field(
        Decimal("5000"), gt=0, description="most notional submitted in one cycle, in capital.quote_asset"
    )


class CapitalSettings(_Group):
    quote_asset: Code = Field(
        "TRY", description="the currency the universe is quoted in and every money setting is in"
    )
    cash_reserve_try: QuoteAmount = Field(
        Decimal("1000"), ge=0, description="free balance never spent, in capital.quote_asset"
    )


class ExecutionSettings(_Group):
    order_ttl_ms: Integer = Field(300_000, gt=0)
    uncertain_probe_limit: Integer = Field(3, ge=1)
    uncertain_window_ms: Integer = Field(60_000, gt=0)
    fill_lookback_ms: Integer = Field(120_000, gt=0)


class ReconcileSettings(_Group):
    """What the reconcile step does when the exchange and the ledger disagree."""

    foreign_orders: Literal["respect", "halt"] = "respect"  # halt: no new submits while one is open
    # Ledger vs exchange total per asset; beyond max(absolute, ratio x exchange total) it drifts.
    balance_drift_ratio: ExactDecimal = Field(Decimal("0.001"), ge=0)
    balance_drift_abs: dict[Code, ExactDecimal] = Field(default_factory=dict)
    balance_drift_cycles: Integer = Field(3, ge=1)  # consecutive drifting cycles before it freezes
    unknown_probe_max_interval_ms: Integer = Field(600_000, gt=0)  # backoff ceiling for lookups

    @field_validator("balance_drift_abs")
    @classmethod
    def _non_negative(cls, tolerances: dict[str, Decimal]) -> dict[str, Decimal]:
        negative = sorted(asset for asset, amount in tolerances.items() if amount < 0)
        if negative:
            raise ValueError(f"tolerances must be >= 0; negative for: {', '.join(negative)}")
        return tolerances


class SafetySettings(_Group):
    dry_run: bool = False
    kill_switch: bool = False
    live_armed: bool = False
    live_ack: str = ""


def _default_seed_balances() -> dict[str, Decimal]:
    return {"TRY": Decimal("100000")}


class PaperSettings(_Group):
    seed_balances: dict[Code, ExactDecimal] = Field(default_factory=_default_seed_balances)
    maker_fee_rate: ExactDecimal = Field(Decimal("0.0005"), ge=0, lt=1)
    taker_fee_rate: ExactDecimal = Field(Decimal("0.0009"), ge=0, lt=1)
    tax_rate: ExactDecimal = Field(Decimal("0"), ge=0, lt=1)

    @field_validator("seed_balances")
    @classmethod
    def _non_negative(cls, balances: dict[str, Decimal]) -> dict[str, Decimal]:
        negative = sorted(asset for asset, amount in balances.items() if amount < 0)
        if negative:
            raise ValueError(f"seed balances must be >= 0; negative for: {', '.join(negative)}")
        return balances


class StoreSettings(_Group):
    path: Path = Path("var/bot.sqlite")
    synchronous: Literal["FULL", "NORMAL"] = "FULL"
    # A running daemon re-checks the events appended since the last integrity checkpoint every
    # this many events, so a restart after a crash never replays more (bot.store.integrity).
    integrity_check_events: Integer = Field(10_000, ge=100)
    # Paper over a replay (a backtest) commits this many cycles in one transaction; a crash loses
    # at most that many cycles whole, and the run can be repeated. Trading against an exchange,
    # live or paper, always commits every unit of work (write-ahead before every send).
    backtest_batch_cycles: Integer = Field(200, ge=1, le=100_000)

    _upper = field_validator("synchronous", mode="before")(_upper_case)


class ObservabilitySettings(_Group):
    log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"] = "INFO"
    log_format: Literal["json", "text"] = "json"
    metrics_enabled: bool = True
    metrics_host: str = Field("127.0.0.1", min_length=1)
    metrics_port: Integer = Field(9464, ge=0, le=65535)  # 0: the OS picks a free port
    tracing: Literal["none", "console", "otlp"] = "none"  # otlp: OTLP/HTTP, OTEL_EXPORTER_OTLP_* variables

    _upper = field_validator("log_level", mode="before")(_upper_case)


class LoopSettings(_Group):
    cycle_seconds: Seconds = Field(5.0, gt=0)
    jitter_ratio: Seconds = Field(0.1, ge=0, le=0.5)
    max_cycles: Integer = Field(0, ge=0)  # 0: run until stopped
