"""Rules that span several keys. Each problem names every key involved and the fix."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Protocol

from bot.config.currency import currency_problems
from bot.config.portfolio_schema import SelectionSettings
from bot.config.sections import (
    CapitalSettings,
    ExchangeSettings,
    MarketDataSettings,
    PaperSettings,
    RiskSettings,
    SafetySettings,
    StoreSettings,
    StrategySettings,
    UniverseSettings,
)
from bot.config.values import LOOPBACK_HOSTS, url_host


class Settings(Protocol):
    """The keys these rules read; `bot.config.schema.Settings` has them (and imports this module,
    so this module names what it needs rather than importing the schema back)."""

    @property
    def mode(self) -> str: ...
    @property
    def exchange(self) -> ExchangeSettings: ...
    @property
    def market_data(self) -> MarketDataSettings: ...
    @property
    def universe(self) -> UniverseSettings: ...
    @property
    def strategy(self) -> StrategySettings: ...
    @property
    def risk(self) -> RiskSettings: ...
    @property
    def capital(self) -> CapitalSettings: ...
    @property
    def safety(self) -> SafetySettings: ...
    @property
    def paper(self) -> PaperSettings: ...
    @property
    def store(self) -> StoreSettings: ...
    @property
    def selection(self) -> SelectionSettings: ...


class CrossFieldProblems(ValueError):
    """Raised by Settings validation; `problems` holds one message per broken rule."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__("\n".join(problems))
        self.problems = tuple(problems)


def _limits(s: Settings) -> list[str]:
    out = []
    if s.risk.max_notional_per_order_try > s.risk.max_notional_per_cycle_try:
        out.append(
            f"risk.max_notional_per_order_try ({s.risk.max_notional_per_order_try}) is greater than "
            f"risk.max_notional_per_cycle_try ({s.risk.max_notional_per_cycle_try}); "
            "lower the per-order limit or raise the per-cycle limit"
        )
    if s.strategy.entry_notional_try > s.risk.max_notional_per_order_try:
        out.append(
            f"strategy.entry_notional_try ({s.strategy.entry_notional_try}) is greater than "
            f"risk.max_notional_per_order_try ({s.risk.max_notional_per_order_try}); every entry would "
            "be capped — lower strategy.entry_notional_try or raise risk.max_notional_per_order_try"
        )
    if s.exchange.retry_max_delay_s < s.exchange.retry_base_delay_s:
        out.append(
            f"exchange.retry_max_delay_s ({s.exchange.retry_max_delay_s}) is less than "
            f"exchange.retry_base_delay_s ({s.exchange.retry_base_delay_s}); raise the maximum"
        )
    return out


def _wiring(s: Settings) -> list[str]:
    out = []
    if s.exchange.adapter == "btcturk" and s.market_data.source != "exchange":
        out.append(
            'exchange.adapter = "btcturk" requires market_data.source = "exchange" '
            f"(got {s.market_data.source!r}); a replay cannot drive a real order book"
        )
    if s.mode == "paper" and s.exchange.adapter == "btcturk":
        host = url_host(s.exchange.base_url)
        if host not in LOOPBACK_HOSTS:
            out.append(
                f'mode = "paper" with exchange.adapter = "btcturk" must point exchange.base_url at a '
                f"loopback simulator (127.0.0.1/localhost), got {s.exchange.base_url!r}; "
                'to trade on the real exchange set mode = "live" and arm it'
            )
    md = s.market_data
    if md.feed == "websocket" and md.source != "exchange":
        out.append(
            'market_data.feed = "websocket" requires market_data.source = "exchange" '
            f"(got {md.source!r}); a replay has no stream to subscribe to"
        )
    if md.fallback_age_ms >= md.max_age_ms:
        out.append(
            f"market_data.fallback_age_ms ({md.fallback_age_ms}) must be below market_data.max_age_ms "
            f"({md.max_age_ms}): REST takes over from a silent stream before the data counts as stale"
        )
    return out


def _live(s: Settings, live_ack_phrase: str) -> list[str]:
    if s.mode != "live":
        return []
    out = []
    if s.exchange.adapter != "btcturk":
        out.append(
            f'mode = "live" requires exchange.adapter = "btcturk" (got {s.exchange.adapter!r}); '
            'set exchange.adapter = "btcturk" or use mode = "paper"'
        )
    if s.market_data.source != "exchange":
        out.append(
            f'mode = "live" requires market_data.source = "exchange" (got {s.market_data.source!r}); '
            'set market_data.source = "exchange" or use mode = "paper"'
        )
    if s.store.synchronous != "FULL":
        out.append(
            f'mode = "live" requires store.synchronous = "FULL" (got {s.store.synchronous!r}) so a '
            "crash cannot lose a committed order"
        )
    if s.safety.live_armed and s.safety.live_ack != live_ack_phrase:
        out.append(
            "safety.live_armed = true requires safety.live_ack to equal exactly "
            f'"{live_ack_phrase}" (got {s.safety.live_ack!r}); set it or set safety.live_armed = false'
        )
    if s.safety.live_armed and (s.exchange.api_key is None or s.exchange.api_secret is None):
        out.append(
            "safety.live_armed = true requires exchange.api_key and exchange.api_secret; set "
            "BOT_EXCHANGE__API_KEY / BOT_EXCHANGE__API_SECRET or exchange.api_key_file / api_secret_file"
        )
    return out


_RULES: tuple[Callable[[Settings], list[str]], ...] = (_limits, _wiring)


def cross_field_problems(settings: Settings, *, live_ack_phrase: str, money_keys: Sequence[str]) -> list[str]:
    """Every cross-key rule the settings break, as human-readable messages (empty when consistent).
    `money_keys`: the dotted keys of the amounts of capital.quote_asset (`quote_amount_keys`)."""
    problems = [p for rule in _RULES for p in rule(settings)]
    problems += currency_problems(settings, money_keys)
    return problems + _live(settings, live_ack_phrase)
