"""Turn pydantic's validation errors into messages with dotted keys, the value, its origin and
what was expected."""

from __future__ import annotations

import types
from decimal import Decimal
from pathlib import Path
from typing import Any, Literal, Union, get_args, get_origin

from pydantic import SecretStr, ValidationError
from pydantic_core import ErrorDetails

from bot.config.consistency import CrossFieldProblems
from bot.config.keys import leaf_fields
from bot.config.schema import SECRET_KEYS
from bot.config.sources import Layer
from bot.config.values import FLOAT_REFUSED

_NAMES: dict[Any, str] = {
    int: "an integer",
    float: "a number",
    bool: "true or false",
    str: "a string",
    Decimal: 'a decimal written as a string, e.g. "2000"',
    Path: "a file path",
    SecretStr: "a string",
}


def describe_type(annotation: Any) -> str:
    """A short human description of what a key accepts ('an integer', "one of 'paper', 'live'")."""
    origin = get_origin(annotation)
    args = get_args(annotation)
    if origin is Literal:
        return "one of " + ", ".join(repr(a) for a in args)
    if origin in (Union, types.UnionType):
        return " or ".join(describe_type(a) for a in args if a is not type(None))
    if origin in (tuple, list):
        return 'a list of strings, e.g. ["BTCTRY", "ETHTRY"]'
    if origin is dict:
        return 'a table of ASSET = "amount", e.g. { TRY = "100000" }'
    return _NAMES.get(annotation, getattr(annotation, "__name__", str(annotation)))


def _leaf_of(loc: tuple[int | str, ...]) -> str:
    parts = [str(p) for p in loc]
    for n in range(len(parts), 0, -1):
        dotted = ".".join(parts[:n])
        if dotted in leaf_fields():
            return dotted
    return ".".join(parts)


def _one(error: ErrorDetails, merged: Layer) -> list[str]:
    loc = error["loc"]
    ctx = error.get("ctx") or {}
    cause = ctx.get("error")
    if isinstance(cause, CrossFieldProblems):
        return list(cause.problems)
    leaf = _leaf_of(loc)
    path = ".".join(str(p) for p in loc if p != "[key]")
    if loc and loc[-1] == "[key]":
        path += " (the name)"
    origin = merged[leaf][1] if leaf in merged else "default"
    value = "***" if leaf in SECRET_KEYS else error["input"]
    if error["type"] == FLOAT_REFUSED:
        return [
            f"{path} = {value!r} (from {origin}) is a float; money and limits must be exact — "
            f'quote the value as a string: {loc[-1]} = "{value}"'
        ]
    message = str(cause) if isinstance(cause, Exception) else error["msg"]
    if leaf in SECRET_KEYS:  # never "got <value>", not even redacted: the message says what is wrong
        return [f"{path} (from {origin}) {message}"]
    if leaf not in leaf_fields():  # a rule across a section's keys: they are named in the message
        return [f"{path}: {message}"]
    if path == leaf:
        expected = f"expected {describe_type(leaf_fields()[leaf].annotation)}"
        message = expected if error["type"] == "literal_error" else f"{expected}; {message}"
    return [f"{path}: {message}; got {value!r} (from {origin})"]


def translate_validation_error(error: ValidationError, merged: Layer) -> list[str]:
    """One message per problem, each naming the dotted key and where the bad value came from."""
    problems: list[str] = []
    for detail in error.errors():
        for problem in _one(detail, merged):
            if problem not in problems:
                problems.append(problem)
    return problems
