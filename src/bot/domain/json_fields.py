"""Reading the fields of persisted JSON state, with errors that name the bad field.

State objects write themselves with `to_json` and read themselves back with `from_json` through
these readers. Every reader raises StateFieldError, a ValueError whose message starts with the
dotted path of the field (`anchors.BTCTRY.ema: expected a finite decimal string or integer, got
float`), so `bot.cycle.persisted_state.load_state` can name both the ledger key and the field.
Decimals are written as canonical strings (an int is read too; a float never), ints as ints.
"""

from __future__ import annotations

import reprlib
from collections.abc import Callable, Mapping, Sequence
from decimal import Decimal
from enum import Enum
from functools import partial
from typing import TypeGuard, TypeVar

from bot.domain.money import NotADecimal, canonical, to_decimal

T = TypeVar("T")
E = TypeVar("E", bound=Enum)


class StateFieldError(ValueError):
    """A field of persisted state is missing or holds what its reader does not accept.

    `field` is the dotted path of the field (`window[3].rejects`); `problem` says what was expected
    and what was found. The message is `"{field}: {problem}"`.
    """

    def __init__(self, field: str, problem: str) -> None:
        super().__init__(f"{field}: {problem}")
        self.field = field
        self.problem = problem


def decimal_field(data: Mapping[str, object], key: str) -> Decimal:
    """A finite decimal stored as a string (an int or a Decimal is accepted; a float or bool is not)."""
    return _decimal(_present(data, key), key)


def decimal_list_field(data: Mapping[str, object], key: str) -> tuple[Decimal, ...]:
    """A list of finite decimals, each as `decimal_field` reads one; errors name `key[index]`."""
    items = _list(data, key, "a list of decimal strings")
    return tuple(_decimal(item, f"{key}[{index}]") for index, item in enumerate(items))


def int_field(data: Mapping[str, object], key: str) -> int:
    """An integer (a bool is not one)."""
    value = _present(data, key)
    if not _is_int(value):
        raise _expected(key, "an integer", value)
    return value


def optional_int_field(data: Mapping[str, object], key: str) -> int | None:
    """An integer or null. The key must be present: a missing field is an error, not None."""
    value = _present(data, key)
    if value is None:
        return None
    if not _is_int(value):
        raise _expected(key, "an integer or null", value)
    return value


def bool_field(data: Mapping[str, object], key: str) -> bool:
    """A boolean (an int is not one)."""
    value = _present(data, key)
    if not isinstance(value, bool):
        raise _expected(key, "a boolean", value)
    return value


def text_field(data: Mapping[str, object], key: str) -> str:
    """A string (an empty one is accepted)."""
    return _text(_present(data, key), key)


def text_list_field(data: Mapping[str, object], key: str) -> tuple[str, ...]:
    """A list of strings; errors name `key[index]`."""
    items = _list(data, key, "a list of strings")
    return tuple(_text(item, f"{key}[{index}]") for index, item in enumerate(items))


def enum_field(data: Mapping[str, object], key: str, kind: type[E]) -> E:
    """The member of `kind` whose value is stored under `key`."""
    value = _present(data, key)
    for member in kind:
        if value == member.value:
            return member
    raise StateFieldError(key, f"expected one of {[m.value for m in kind]}, got {_shown(value)}")


def mapping_field(data: Mapping[str, object], key: str) -> Mapping[str, object]:
    """A JSON object: a mapping whose keys are all strings."""
    value = _present(data, key)
    if not _is_object(value):
        raise _expected(key, "an object with string keys", value)
    return value


def map_field(
    data: Mapping[str, object], key: str, read: Callable[[Mapping[str, object], str], T]
) -> dict[str, T]:
    """An object whose every entry is read by `read(entries, name)` (say `int_field`).

    Errors from `read` are prefixed with `key.`, so they name `key.name`.
    """
    entries = mapping_field(data, key)
    return {name: within(key, partial(read, entries, name)) for name in entries}


def object_map_field(
    data: Mapping[str, object], key: str, decode: Callable[[Mapping[str, object]], T]
) -> dict[str, T]:
    """An object of objects, each decoded by `decode(entry)`; errors name `key.name.`."""

    def read_entry(entries: Mapping[str, object], name: str) -> T:
        entry = mapping_field(entries, name)
        return within(name, partial(decode, entry))

    return map_field(data, key, read_entry)


def object_list_field(
    data: Mapping[str, object], key: str, decode: Callable[[Mapping[str, object]], T]
) -> tuple[T, ...]:
    """A list of objects, each decoded by `decode(item)`; errors name `key[index]`."""
    items = _list(data, key, "a list of objects")
    decoded = []
    for index, item in enumerate(items):
        path = f"{key}[{index}]"
        if not _is_object(item):
            raise _expected(path, "an object with string keys", item)
        decoded.append(within(path, partial(decode, item)))
    return tuple(decoded)


def within(path: str, read: Callable[[], T]) -> T:
    """`read()`, with any ValueError it raises prefixed by `path.` (`anchors` + `ema: ...`).

    A StateFieldError stays one (its field becomes `path.field`); another ValueError, such as a
    state object's own validation, is re-raised as a plain ValueError with the prefixed message.
    """
    try:
        return read()
    except StateFieldError as e:
        raise StateFieldError(f"{path}.{e.field}", e.problem) from e
    except ValueError as e:
        raise ValueError(f"{path}.{e}") from e


def decimals_to_json(values: Sequence[Decimal]) -> list[str]:
    """What `decimal_list_field` reads back: each decimal as its canonical string."""
    return [canonical(value) for value in values]


def _present(data: Mapping[str, object], key: str) -> object:
    if key not in data:
        raise StateFieldError(key, "missing")
    return data[key]


def _decimal(value: object, path: str) -> Decimal:
    try:
        return to_decimal(value, field=path)
    except NotADecimal as e:
        raise _expected(path, "a finite decimal string or integer", value) from e


def _text(value: object, path: str) -> str:
    if not isinstance(value, str):
        raise _expected(path, "a string", value)
    return value


def _list(data: Mapping[str, object], key: str, what: str) -> list[object] | tuple[object, ...]:
    value = _present(data, key)
    if not isinstance(value, list | tuple):
        raise _expected(key, what, value)
    return value


def _is_int(value: object) -> TypeGuard[int]:
    return isinstance(value, int) and not isinstance(value, bool)


def _is_object(value: object) -> TypeGuard[Mapping[str, object]]:
    return isinstance(value, Mapping) and all(isinstance(key, str) for key in value)


def _expected(path: str, what: str, value: object) -> StateFieldError:
    return StateFieldError(path, f"expected {what}, got {_shown(value)}")


def _shown(value: object) -> str:
    """A found value as the message shows it: a string or null as itself, anything else by its type."""
    if value is None:
        return "null"
    if isinstance(value, str):
        return reprlib.repr(value)
    return type(value).__name__
