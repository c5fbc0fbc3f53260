"""`dataset.json`: the manifest of a replay dataset directory (format `bot-replay/1`).

See replays/README.md for the format. Decimals are JSON strings, never JSON numbers, so they
survive exactly.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

from bot.domain.money import NotADecimal, canonical, to_decimal
from bot.domain.symbols import PairRules
from bot.replay.errors import DatasetError
from bot.replay.validation import fits_scale

FORMAT = "bot-replay/1"
MANIFEST_FILE = "dataset.json"
CSV_HEADER = ("ts_ms", "bid", "ask", "last", "bid_qty", "ask_qty", "volume")
# Symbols become file names, so they are restricted to what BTCTurk uses (no path separators).
_SYMBOL = re.compile(r"^[A-Z0-9]{2,20}$")
_DECIMAL_FIELDS = ("tick_size", "min_notional", "min_price", "max_price")
_MAX_SCALE = 18


@dataclass(frozen=True, slots=True, kw_only=True)
class Manifest:
    name: str
    step_ms: int
    source: str
    pairs: tuple[PairRules, ...]


def read_manifest(directory: Path) -> Manifest:
    """Read and validate `<directory>/dataset.json`. Raises DatasetError naming the field."""
    path = directory / MANIFEST_FILE
    if not path.is_file():
        raise DatasetError(
            path,
            "dataset.json not found",
            "point at a dataset directory (one written by `write_dataset`, `init_synthetic` or the "
            "importer), or create dataset.json as described in replays/README.md",
        )
    try:
        document = json.loads(path.read_text(encoding="utf-8"))
    except json.JSONDecodeError as e:
        raise DatasetError(path, f"not valid JSON ({e.msg})", "repair the JSON syntax", line=e.lineno) from e
    except UnicodeDecodeError as e:
        raise DatasetError(path, "not UTF-8 text", "save dataset.json as UTF-8") from e
    if not isinstance(document, dict):
        raise DatasetError(path, "the top level is not a JSON object", "see replays/README.md")
    return _parse_document(path, document)


def _parse_document(path: Path, document: Mapping[str, Any]) -> Manifest:
    fmt = document.get("format")
    if fmt is None:
        raise DatasetError(path, "'format' is missing", f'add "format": "{FORMAT}"')
    if fmt != FORMAT:
        raise DatasetError(
            path, f"format {fmt!r} is not supported", f"this version reads {FORMAT!r}; convert the dataset"
        )
    name = document.get("name")
    if not isinstance(name, str) or not name:
        raise DatasetError(path, "'name' is missing or not a non-empty string", 'add "name": "<label>"')
    step_ms = document.get("step_ms")
    if not isinstance(step_ms, int) or isinstance(step_ms, bool) or step_ms <= 0:
        raise DatasetError(path, f"'step_ms' {step_ms!r} is not a positive integer", "set the step in ms")
    source = document.get("source", "")
    if not isinstance(source, str):
        raise DatasetError(path, "'source' is not a string", "describe where the data came from")
    raw_pairs = document.get("pairs")
    if not isinstance(raw_pairs, list) or not raw_pairs:
        raise DatasetError(path, "'pairs' is missing or empty", "list at least one pair")
    pairs = tuple(_parse_pair(path, index, raw) for index, raw in enumerate(raw_pairs))
    symbols = [pair.symbol for pair in pairs]
    duplicates = sorted({symbol for symbol in symbols if symbols.count(symbol) > 1})
    if duplicates:
        raise DatasetError(path, f"pairs lists {', '.join(duplicates)} more than once", "keep one entry each")
    return Manifest(name=name, step_ms=step_ms, source=source, pairs=pairs)


def _parse_pair(path: Path, index: int, raw: object) -> PairRules:
    where = f"pairs[{index}]"
    if not isinstance(raw, dict):
        raise DatasetError(path, f"{where} is not an object", "see replays/README.md for the pair fields")
    symbol = raw.get("symbol")
    if not isinstance(symbol, str) or not _SYMBOL.match(symbol):
        raise DatasetError(
            path, f"{where}.symbol {symbol!r} is invalid", "use an upper-case symbol like BTCTRY"
        )
    where = f"pairs[{index}] ({symbol})"
    text = {key: raw.get(key) for key in ("base", "quote")}
    for key, value in text.items():
        if not isinstance(value, str) or not value:
            raise DatasetError(path, f"{where}.{key} is missing", f'add "{key}": "<asset>"')
    decimals: dict[str, Decimal] = {}
    for key in _DECIMAL_FIELDS:
        try:
            decimals[key] = to_decimal(raw.get(key), field=f"{where}.{key}")
        except NotADecimal as e:
            raise DatasetError(path, str(e), f'write {key} as a decimal string, e.g. "{key}": "1"') from e
    trading = raw.get("trading", True)
    if not isinstance(trading, bool):
        raise DatasetError(path, f"{where}.trading is not true/false", "use a JSON boolean")
    rules = PairRules(
        symbol=symbol,
        base=str(text["base"]),
        quote=str(text["quote"]),
        quantity_scale=_scale(path, where, raw, "quantity_scale"),
        price_scale=_scale(path, where, raw, "price_scale"),
        trading=trading,
        **decimals,
    )
    _check_rules(path, where, rules)
    return rules


def _scale(path: Path, where: str, raw: Mapping[str, object], key: str) -> int:
    value = raw.get(key)
    if not isinstance(value, int) or isinstance(value, bool) or not 0 <= value <= _MAX_SCALE:
        raise DatasetError(
            path, f"{where}.{key} {value!r} is not an integer 0..{_MAX_SCALE}", "use the number of decimals"
        )
    return value


def _check_rules(path: Path, where: str, rules: PairRules) -> None:
    if rules.tick_size <= 0 or not fits_scale(rules.tick_size, rules.price_scale):
        raise DatasetError(
            path, f"{where}.tick_size {rules.tick_size} is not positive on price_scale", "fix tick_size"
        )
    if rules.min_notional < 0:
        raise DatasetError(path, f"{where}.min_notional is negative", "use the quote-asset minimum, >= 0")
    if not 0 <= rules.min_price < rules.max_price:
        raise DatasetError(
            path, f"{where} needs 0 <= min_price < max_price", "widen the band to cover every price"
        )


def manifest_json(*, name: str, step_ms: int, source: str, pairs: Sequence[PairRules]) -> str:
    """The canonical text of dataset.json (stable key order, two-space indent, final newline)."""
    document = {
        "format": FORMAT,
        "name": name,
        "step_ms": step_ms,
        "source": source,
        "pairs": [_pair_document(rules) for rules in pairs],
    }
    return json.dumps(document, indent=2) + "\n"


def _pair_document(rules: PairRules) -> dict[str, object]:
    return {
        "symbol": rules.symbol,
        "base": rules.base,
        "quote": rules.quote,
        "quantity_scale": rules.quantity_scale,
        "price_scale": rules.price_scale,
        "tick_size": canonical(rules.tick_size),
        "min_notional": canonical(rules.min_notional),
        "min_price": canonical(rules.min_price),
        "max_price": canonical(rules.max_price),
        "trading": rules.trading,
    }
