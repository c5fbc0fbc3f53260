"""The catalogue of leaf keys (`risk.max_orders_per_cycle`), their env var names and suggestions."""

from __future__ import annotations

import difflib
from functools import cache

from pydantic import BaseModel
from pydantic.fields import FieldInfo

from bot.config.schema import Settings

ENV_PREFIX = "BOT_"
CONFIG_PATH_ENV = "BOT_CONFIG"
"""Names the TOML profile when no path is given explicitly. Not a settings key."""


@cache
def leaf_fields() -> dict[str, FieldInfo]:
    """Every settings leaf by dotted key, in schema order. `paper.seed_balances` is one leaf."""
    leaves: dict[str, FieldInfo] = {}
    for name, info in Settings.model_fields.items():
        group = info.annotation
        if isinstance(group, type) and issubclass(group, BaseModel):
            for sub, sub_info in group.model_fields.items():
                leaves[f"{name}.{sub}"] = sub_info
        else:
            leaves[name] = info
    return leaves


@cache
def group_names() -> frozenset[str]:
    return frozenset(k.split(".", 1)[0] for k in leaf_fields() if "." in k)


def env_var_for(dotted: str) -> str:
    """`risk.max_orders_per_cycle` -> `BOT_RISK__MAX_ORDERS_PER_CYCLE`; `mode` -> `BOT_MODE`."""
    return ENV_PREFIX + dotted.upper().replace(".", "__")


def dotted_for_env(name: str) -> str:
    """The inverse of env_var_for (for any BOT_* name, known or not)."""
    return name[len(ENV_PREFIX) :].lower().replace("__", ".", 1)


def closest_key(dotted: str) -> str | None:
    """The most similar valid key (or group) to a misspelt or misplaced one, if any is close."""
    candidates = [*leaf_fields(), *group_names()]
    match = difflib.get_close_matches(dotted, candidates, n=1, cutoff=0.6)
    if match:
        return match[0]
    by_leaf = {k.rsplit(".", 1)[-1]: k for k in leaf_fields()}
    leaf_match = difflib.get_close_matches(dotted.rsplit(".", 1)[-1], list(by_leaf), n=1, cutoff=0.75)
    return by_leaf[leaf_match[0]] if leaf_match else None


def unknown_key_message(dotted: str, origin: str) -> str:
    suggestion = closest_key(dotted)
    hint = f"; did you mean {suggestion!r}?" if suggestion else ""
    return f"unknown key {dotted!r} in {origin}{hint}"


def unknown_env_message(name: str) -> str:
    suggestion = closest_key(dotted_for_env(name))
    hint = f"; did you mean {env_var_for(suggestion)}?" if suggestion and suggestion in leaf_fields() else ""
    return f"unknown environment variable {name} (BOT_* is reserved for settings){hint}"
