"""load_settings: defaults < TOML profile < BOT_* environment < explicit overrides."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from pydantic import ValidationError

from bot.config.errors import ConfigError
from bot.config.keys import CONFIG_PATH_ENV, leaf_fields
from bot.config.schema import Settings
from bot.config.secrets import secret_file_layer
from bot.config.sources import Layer, env_layer, file_layer, override_layer
from bot.config.translate import translate_validation_error

DEFAULT_SOURCE = "default"


@dataclass(frozen=True, slots=True)
class LoadedSettings:
    """Validated settings plus, for every leaf key, where its value came from:
    "default", "file:<profile or secret file>", "env:<VAR>" or "cli"."""

    settings: Settings
    sources: dict[str, str] = field(repr=False)
    config_path: Path | None = None


def _unflatten(layer: Layer) -> dict[str, object]:
    nested: dict[str, object] = {}
    for dotted, (value, _) in layer.items():
        if "." in dotted:
            group, key = dotted.split(".", 1)
            table = nested.setdefault(group, {})
            assert isinstance(table, dict)
            table[key] = value
        else:
            nested[dotted] = value
    return nested


def _profile_path(config_path: Path | None, env: Mapping[str, str]) -> Path | None:
    if config_path is not None:
        return config_path
    from_env = env.get(CONFIG_PATH_ENV, "").strip()
    return Path(from_env) if from_env else None


def load_settings(
    config_path: Path | None,
    env: Mapping[str, str],
    overrides: Mapping[str, object] | None = None,
) -> LoadedSettings:
    """Build and validate the settings.

    `config_path` (or, when None, the file named by BOT_CONFIG; else none) is a TOML profile.
    `env` is the process environment (pass os.environ); only BOT_* names are read.
    `overrides` maps dotted keys to values (strings are parsed like env values).
    Raises ConfigError listing every problem: unknown keys/variables (with a suggestion), secrets
    in TOML, wrong types, unreadable files, and broken cross-key rules.
    """
    path = _profile_path(config_path, env)
    problems: list[str] = []
    merged: Layer = {}
    if path is not None:
        layer, found = file_layer(path)
        merged.update(layer)
        problems += found
    for layer, found in (env_layer(env), override_layer(overrides or {})):
        merged.update(layer)
        problems += found
    secrets, found = secret_file_layer(merged)
    merged.update(secrets)
    problems += found
    sources = {key: merged[key][1] if key in merged else DEFAULT_SOURCE for key in leaf_fields()}
    try:
        settings = Settings.model_validate(_unflatten(merged))
    except ValidationError as e:
        raise ConfigError(problems + translate_validation_error(e, merged)) from None
    if problems:
        raise ConfigError(problems)
    return LoadedSettings(settings=settings, sources=sources, config_path=path)
