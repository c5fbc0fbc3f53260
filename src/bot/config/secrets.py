"""Secret loading (env or file, never TOML) and redaction for display."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from pydantic import SecretStr

from bot.config.schema import Settings
from bot.config.sources import Layer

REDACTED = "***"
NOT_SET = "(not set)"

_FILE_KEYS = {
    "exchange.api_key": "exchange.api_key_file",
    "exchange.api_secret": "exchange.api_secret_file",
}


def _read_secret(path: Path, file_key: str) -> tuple[str | None, str | None]:
    try:
        text = path.read_text(encoding="utf-8").strip()
    except OSError as e:
        return None, f"{file_key}: cannot read secret file {str(path)!r}: {e.strerror or e}"
    except UnicodeDecodeError:  # its message quotes the bytes: never echo a secret, even in part
        return None, f"{file_key}: secret file {str(path)!r} is not UTF-8 text; it must hold the key as text"
    if not text:
        return None, f"{file_key}: secret file {str(path)!r} is empty"
    return text, None


def secret_file_layer(merged: Layer) -> tuple[Layer, list[str]]:
    """Read the *_file keys of the merged layers into the secrets they name (whitespace stripped).

    Setting both a secret and its file is refused: which one wins would be a guess.
    """
    layer: Layer = {}
    problems: list[str] = []
    for secret_key, file_key in _FILE_KEYS.items():
        raw_path = merged.get(file_key, (None, ""))[0]
        if raw_path in (None, ""):
            continue
        if secret_key in merged:
            problems.append(
                f"{secret_key} is set ({merged[secret_key][1]}) and so is {file_key} "
                f"({merged[file_key][1]}); keep only one"
            )
            continue
        value, problem = _read_secret(Path(str(raw_path)), file_key)
        if problem:
            problems.append(problem)
        else:
            layer[secret_key] = (value, f"file:{raw_path}")
    return layer, problems


def secret_values(settings: Settings) -> tuple[str, ...]:
    """The configured API key and secret in clear, for scrubbing them out of logs (and nothing else)."""
    found = (settings.exchange.api_key, settings.exchange.api_secret)
    return tuple(value.get_secret_value() for value in found if value is not None)


def display_secret(value: SecretStr | None) -> str:
    return NOT_SET if value is None else REDACTED


def redacted(settings: Settings) -> dict[str, Any]:
    """The settings as plain JSON-friendly data (Decimals as strings) with secrets shown as
    "***" when set and "(not set)" otherwise. Safe to print or log."""
    data = settings.model_dump(mode="json")
    data["exchange"]["api_key"] = display_secret(settings.exchange.api_key)
    data["exchange"]["api_secret"] = display_secret(settings.exchange.api_secret)
    return data
