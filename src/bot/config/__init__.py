"""Settings: the schema, loading from a TOML profile and BOT_* environment variables, validation
with errors that name the key and the fix, and secret handling.

    loaded = load_settings(Path("configs/paper.toml"), os.environ, {"risk.max_orders_per_cycle": 2})
    loaded.settings.risk.max_orders_per_cycle  # 2
    loaded.sources["risk.max_orders_per_cycle"]  # "cli"
"""

from bot.config.errors import ConfigError
from bot.config.keys import CONFIG_PATH_ENV, env_var_for, leaf_fields
from bot.config.loader import LoadedSettings, load_settings
from bot.config.render import render_settings
from bot.config.schema import (
    LIVE_ACK_PHRASE,
    CapitalSettings,
    ExchangeSettings,
    ExecutionSettings,
    LoopSettings,
    MarketDataSettings,
    ObservabilitySettings,
    PaperSettings,
    RiskSettings,
    SafetySettings,
    Settings,
    StoreSettings,
    StrategySettings,
    UniverseSettings,
)
from bot.config.secrets import redacted, secret_values

__all__ = [
    "CONFIG_PATH_ENV",
    "LIVE_ACK_PHRASE",
    "CapitalSettings",
    "ConfigError",
    "ExchangeSettings",
    "ExecutionSettings",
    "LoadedSettings",
    "LoopSettings",
    "MarketDataSettings",
    "ObservabilitySettings",
    "PaperSettings",
    "RiskSettings",
    "SafetySettings",
    "Settings",
    "StoreSettings",
    "StrategySettings",
    "UniverseSettings",
    "env_var_for",
    "leaf_fields",
    "load_settings",
    "redacted",
    "render_settings",
    "secret_values",
]
