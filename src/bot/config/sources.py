"""Where values come from: a TOML profile, BOT_* environment variables, explicit (CLI) overrides.

Each source yields a layer: dotted key -> (raw value, origin label). Layers are merged later in
precedence order; a whole leaf is replaced, never merged (a profile's seed_balances replaces the
default table rather than adding to it).
"""

from __future__ import annotations

import json
import tomllib
from collections.abc import Mapping
from pathlib import Path
from typing import get_origin

from bot.config.errors import ConfigError
from bot.config.keys import (
    CONFIG_PATH_ENV,
    ENV_PREFIX,
    dotted_for_env,
    group_names,
    leaf_fields,
    unknown_env_message,
    unknown_key_message,
)
from bot.config.schema import SECRET_KEYS

Layer = dict[str, tuple[object, str]]

_SECRET_FIX = (
    "secrets are never read from TOML; set BOT_EXCHANGE__API_KEY / BOT_EXCHANGE__API_SECRET in the "
    "environment, or point exchange.api_key_file / exchange.api_secret_file at files holding them"
)


_PROFILE_FIX = "point --config (or BOT_CONFIG) at a readable TOML file"


def _read_toml(path: Path) -> dict[str, object]:
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        raise ConfigError([f"config file not found: {path}; {_PROFILE_FIX}"]) from None
    except IsADirectoryError:
        raise ConfigError([f"config file {path} is a directory; {_PROFILE_FIX}"]) from None
    except PermissionError:
        raise ConfigError(
            [f"cannot read config file {path}: permission denied; make it readable by this user"]
        ) from None
    except OSError as e:
        raise ConfigError([f"cannot read config file {path}: {e.strerror or e}; {_PROFILE_FIX}"]) from None
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as e:
        line = data[: e.start].count(b"\n") + 1
        raise ConfigError(
            [f"{path}: line {line} is not UTF-8 (byte 0x{data[e.start]:02x}); TOML must be UTF-8: "
             "re-save the file as UTF-8"]
        ) from None  # fmt: skip
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as e:
        raise ConfigError([f"{path}: TOML syntax error: {e}"]) from None


def file_layer(path: Path) -> tuple[Layer, list[str]]:
    """Flatten a TOML profile. Returns the layer and the problems (unknown keys, secrets in TOML)."""
    origin = f"file:{path}"
    layer: Layer = {}
    problems: list[str] = []
    flat: list[tuple[str, object]] = []
    for key, value in _read_toml(path).items():
        if key in group_names():
            if not isinstance(value, dict):
                problems.append(f"{key} in {path} must be a table ([{key}]), got {value!r}")
                continue
            flat.extend((f"{key}.{sub}", sub_value) for sub, sub_value in value.items())
        else:
            flat.append((key, value))
    for dotted, value in flat:
        if dotted in SECRET_KEYS:
            problems.append(f"{dotted} found in {path}: {_SECRET_FIX}")
        elif dotted in leaf_fields():
            layer[dotted] = (value, origin)
        else:
            problems.append(unknown_key_message(dotted, str(path)))
    return layer, problems


def _split_list(text: str) -> object:
    stripped = text.strip()
    if stripped.startswith("["):
        return _json(stripped)
    return [item.strip() for item in stripped.split(",") if item.strip()]


def _split_table(text: str) -> object:
    stripped = text.strip()
    if stripped.startswith("{"):
        return _json(stripped)
    pairs = [item.split("=", 1) for item in stripped.split(",") if item.strip()]
    return {p[0].strip(): (p[1].strip() if len(p) == 2 else "") for p in pairs}


def _json(text: str) -> object:
    try:
        # Decimals stay exact: JSON numbers with a fraction become Decimal, not float.
        return json.loads(text, parse_float=str)
    except json.JSONDecodeError:
        return text  # validation then reports the key, the expected type and this value


def parse_text(dotted: str, text: str) -> object:
    """Turn an env/CLI string into what the field expects where pydantic would not do it itself:
    lists as `A,B` or JSON `["A","B"]`, tables as `TRY=100000,BTC=0.5` or JSON."""
    origin = get_origin(leaf_fields()[dotted].annotation)
    if origin in (tuple, list):
        return _split_list(text)
    if origin is dict:
        return _split_table(text)
    return text


def env_layer(env: Mapping[str, str]) -> tuple[Layer, list[str]]:
    """Read BOT_<GROUP>__<KEY> (and BOT_MODE). Any other BOT_* name except BOT_CONFIG is an error."""
    layer: Layer = {}
    problems: list[str] = []
    for name in sorted(env):
        if not name.startswith(ENV_PREFIX) or name == CONFIG_PATH_ENV:
            continue
        dotted = dotted_for_env(name)
        if dotted in leaf_fields():
            layer[dotted] = (parse_text(dotted, env[name]), f"env:{name}")
        else:
            problems.append(unknown_env_message(name))
    return layer, problems


def override_layer(overrides: Mapping[str, object]) -> tuple[Layer, list[str]]:
    """Explicit overrides by dotted key (from the CLI). Secrets are refused: argv is visible to ps."""
    layer: Layer = {}
    problems: list[str] = []
    for dotted, value in overrides.items():
        if dotted in SECRET_KEYS:
            problems.append(f"{dotted} cannot be given on the command line: {_SECRET_FIX}")
        elif dotted in leaf_fields():
            layer[dotted] = (parse_text(dotted, value) if isinstance(value, str) else value, "cli")
        else:
            problems.append(unknown_key_message(dotted, "command-line overrides"))
    return layer, problems
