"""Value types for the settings schema: exact decimals, integers and seconds that refuse lossy input.

TOML has native floats, and a float has already lost precision by the time we see it, so every
Decimal key refuses one with an error that tells the operator to quote the value. Booleans are
refused where a number is expected (pydantic would otherwise read `true` as 1).
"""

from __future__ import annotations

import re
from decimal import Decimal
from functools import cache
from typing import Annotated

from pydantic import AfterValidator, BaseModel, BeforeValidator, Field
from pydantic.fields import FieldInfo
from pydantic_core import PydanticCustomError

FLOAT_REFUSED = "float_refused"
BOOL_REFUSED = "bool_refused"


def _exact(value: object) -> object:
    if isinstance(value, bool):
        raise PydanticCustomError(BOOL_REFUSED, "expected a decimal number, got a boolean")
    if isinstance(value, float):
        raise PydanticCustomError(
            FLOAT_REFUSED, "floats are refused for exact decimal values; quote the value as a string"
        )
    return value


def _not_bool(value: object) -> object:
    if isinstance(value, bool):
        raise PydanticCustomError(BOOL_REFUSED, "expected a number, got a boolean")
    return value


_URL = re.compile(r"^https?://[^\s/]+(/\S*)?$")


def _http_url(value: str) -> str:
    if not _URL.match(value):
        raise ValueError("expected an http:// or https:// URL such as https://api.btcturk.com")
    return value.rstrip("/")


_SYMBOL = re.compile(r"^[A-Z0-9]+$")


def _asset_or_symbol(value: str) -> str:
    if not _SYMBOL.match(value):
        raise ValueError(f"{value!r} must be upper-case letters and digits, e.g. 'BTCTRY' or 'TRY'")
    return value


ExactDecimal = Annotated[Decimal, BeforeValidator(_exact), Field(allow_inf_nan=False)]
"""Money, limits, bps and rates: str/int/Decimal only, never float."""


class _InQuoteAsset:
    """Marks a setting as an amount of `capital.quote_asset` (see `quote_amount_keys`)."""

    def __repr__(self) -> str:
        return "IN_QUOTE_ASSET"


IN_QUOTE_ASSET = _InQuoteAsset()
QuoteAmount = Annotated[ExactDecimal, IN_QUOTE_ASSET]
"""An amount of money in the account's quote currency, `capital.quote_asset`: the `_try` keys.
The suffix is historical (TRY was the first quote); the currency is whatever quote_asset says."""


def in_quote_asset(field: FieldInfo) -> bool:
    """Whether a settings field holds an amount of `capital.quote_asset`."""
    return IN_QUOTE_ASSET in field.metadata


@cache
def quote_amount_keys(root: type[BaseModel]) -> tuple[str, ...]:
    """The dotted keys (`capital.cash_reserve_try`) of every amount of `capital.quote_asset` in
    the settings model `root` and its sections, in schema order."""
    keys: list[str] = []
    for name, info in root.model_fields.items():
        section = info.annotation
        if isinstance(section, type) and issubclass(section, BaseModel):
            fields = section.model_fields.items()
            keys += [f"{name}.{sub}" for sub, sub_info in fields if in_quote_asset(sub_info)]
    return tuple(keys)


Integer = Annotated[int, BeforeValidator(_not_bool)]
Seconds = Annotated[float, BeforeValidator(_not_bool), Field(allow_inf_nan=False)]
HttpUrlText = Annotated[str, AfterValidator(_http_url)]
Code = Annotated[str, AfterValidator(_asset_or_symbol)]
"""An upper-case asset code or pair symbol ('TRY', 'BTCTRY')."""

LOOPBACK_HOSTS = frozenset({"127.0.0.1", "localhost", "[::1]"})


def url_host(url: str) -> str:
    """The host part of an http(s) URL, without port ('http://127.0.0.1:8080/x' -> '127.0.0.1')."""
    authority = url.split("://", 1)[-1].split("/", 1)[0]
    if authority.startswith("["):
        return authority.split("]", 1)[0] + "]"
    return authority.rsplit(":", 1)[0] if ":" in authority else authority
