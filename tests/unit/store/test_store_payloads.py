from __future__ import annotations

import re
from decimal import Decimal

import pytest

from bot.domain.events import EventType
from bot.domain.orders import Side
from bot.store.ledger_events import EVENT_CLASSES
from bot.store.payloads import canonicalise, dumps, loads
from bot.store.projections import _HANDLERS


def test_canonical_json_is_sorted_compact_and_decimal_exact() -> None:
    payload = canonicalise(
        {"b": Decimal("1.500"), "a": Side.SELL, "n": {"z": [Decimal("1E+2"), 3, None, True]}, "s": "ş"}
    )
    assert dumps(payload) == '{"a":"sell","b":"1.5","n":{"z":["100",3,null,true]},"s":"ş"}'
    assert loads(dumps(payload)) == payload


@pytest.mark.parametrize(
    "bad",
    [{"price": 1.5}, {"nested": {"fee": 0.1}}, {"items": [Decimal(1), 2.0]}, {"when": object()}, {1: "x"}],
)
def test_non_json_values_are_refused(bad: dict[object, object]) -> None:
    with pytest.raises(TypeError):
        canonicalise(bad)  # type: ignore[arg-type]


def test_non_finite_decimal_is_refused() -> None:
    with pytest.raises(ValueError, match="finite"):
        canonicalise({"price": Decimal("NaN")})


def test_stored_floats_are_refused() -> None:
    with pytest.raises(ValueError, match="float"):
        loads('{"price":1.5}')


def test_every_event_type_has_one_class_and_every_class_a_projection() -> None:
    assert sorted(cls.TYPE for cls in EVENT_CLASSES) == sorted(EventType)
    assert set(_HANDLERS) == set(EVENT_CLASSES)


@pytest.mark.parametrize(
    ("bad", "where"),
    [
        ({"price": 1.5}, "payload price: float"),
        ({"n": {"fee": [Decimal(1), 0.1]}}, "payload n.fee[1]: float"),
        ({"n": [{"x": Decimal("Inf")}]}, "payload n[0].x: Infinity is not a finite"),
        ({"n": {"when": object()}}, "payload n.when: object is not allowed"),
    ],
)
def test_a_refused_value_is_named_by_where_it_sits(bad: dict[str, object], where: str) -> None:
    with pytest.raises((TypeError, ValueError), match=f"^{re.escape(where)}"):
        canonicalise(bad)


def test_subclasses_of_plain_types_are_stored_as_the_plain_type() -> None:
    class Count(int):
        pass

    assert canonicalise({"a": Count(3), "b": (True, "x")}) == {"a": 3, "b": [True, "x"]}
