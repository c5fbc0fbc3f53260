"""`bot config show`: every leaf key with its effective value and where it came from."""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path

from pydantic import SecretStr

from bot.config.keys import leaf_fields
from bot.config.loader import LoadedSettings
from bot.config.schema import Settings
from bot.config.secrets import NOT_SET, display_secret
from bot.config.values import quote_amount_keys

_COMMENT_COLUMN = 56


def format_value(value: object) -> str:
    """A TOML-like rendering: strings and Decimals quoted, secrets masked, None as '(not set)'."""
    if isinstance(value, SecretStr):
        return display_secret(value)
    if value is None:
        return NOT_SET
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (str, Path)):
        return json.dumps(str(value))
    if isinstance(value, Decimal):
        return f'"{value}"'
    if isinstance(value, (list, tuple)):
        return "[" + ", ".join(format_value(v) for v in value) + "]"
    if isinstance(value, dict):
        return "{ " + ", ".join(f"{k} = {format_value(v)}" for k, v in value.items()) + " }"
    return str(value)


def leaf_value(settings: Settings, dotted: str) -> object:
    """The effective value of one dotted key."""
    target: object = settings
    for part in dotted.split("."):
        target = getattr(target, part)
    return target


def render_settings(loaded: LoadedSettings) -> str:
    """One line per key, `risk.max_orders_per_cycle = 4    # env:BOT_RISK__MAX_ORDERS_PER_CYCLE`,
    preceded by a line naming the profile; a money key's comment names its amount in
    capital.quote_asset first (`capital.cash_reserve_try = "1000"    # 1000 TRY; default`).
    Secrets appear only as "***" or "(not set)"."""
    profile = str(loaded.config_path) if loaded.config_path else "(none: defaults)"
    lines = [f"# profile: {profile}"]
    money = quote_amount_keys(Settings)
    quote = loaded.settings.capital.quote_asset
    for dotted in leaf_fields():
        value = leaf_value(loaded.settings, dotted)
        assignment = f"{dotted} = {format_value(value)}"
        padding = " " * max(4, _COMMENT_COLUMN - len(assignment))
        source = loaded.sources.get(dotted, "default")
        comment = f"{value} {quote}; {source}" if dotted in money else source
        lines.append(f"{assignment}{padding}# {comment}")
    return "\n".join(lines) + "\n"


def settings_document(loaded: LoadedSettings) -> dict[str, object]:
    """`bot config show --json`: {"profile", "settings": {key: {"value", "source"}}}; a money key
    also has "currency" (capital.quote_asset). Values are JSON (Decimals as strings, secrets as
    "***" or null), keys in schema order."""
    settings: dict[str, object] = {}
    money = quote_amount_keys(Settings)
    for dotted in leaf_fields():
        entry = {
            "value": _json_value(leaf_value(loaded.settings, dotted)),
            "source": loaded.sources.get(dotted, "default"),
        }
        if dotted in money:
            entry["currency"] = loaded.settings.capital.quote_asset
        settings[dotted] = entry
    return {"profile": str(loaded.config_path) if loaded.config_path else None, "settings": settings}


def _json_value(value: object) -> object:
    if isinstance(value, SecretStr):
        return display_secret(value)
    if isinstance(value, Decimal | Path):
        return str(value)
    if isinstance(value, list | tuple):
        return [_json_value(v) for v in value]
    if isinstance(value, dict):
        return {str(k): _json_value(v) for k, v in value.items()}
    return value
