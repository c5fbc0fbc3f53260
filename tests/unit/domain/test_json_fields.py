from __future__ import annotations

from collections.abc import Callable, Mapping
from decimal import Decimal as D

import pytest

from bot.domain.json_fields import (
    StateFieldError,
    bool_field,
    decimal_field,
    decimal_list_field,
    decimals_to_json,
    enum_field,
    int_field,
    map_field,
    mapping_field,
    object_list_field,
    object_map_field,
    optional_int_field,
    text_field,
    text_list_field,
    within,
)
from bot.domain.risk import RiskMode

DECIMAL = "expected a finite decimal string or integer"


def refusal(read: Callable[..., object], value: object, *args: object) -> str:
    """The message `read({"x": value}, "x", *args)` is refused with."""
    with pytest.raises(StateFieldError) as caught:
        read({"x": value}, "x", *args)
    return str(caught.value)


def point(data: Mapping[str, object]) -> int:
    value = int_field(data, "y")
    if value < 0:
        raise ValueError(f"y: must be >= 0, got {value}")
    return value


@pytest.mark.parametrize(
    ("read", "args"),
    [
        (decimal_field, ()),
        (decimal_list_field, ()),
        (int_field, ()),
        (optional_int_field, ()),
        (bool_field, ()),
        (text_field, ()),
        (text_list_field, ()),
        (enum_field, (RiskMode,)),
        (mapping_field, ()),
        (map_field, (int_field,)),
        (object_map_field, (point,)),
        (object_list_field, (point,)),
    ],
)
def test_every_reader_refuses_a_missing_field(read: Callable[..., object], args: tuple[object, ...]) -> None:
    with pytest.raises(StateFieldError, match=r"^x: missing$") as caught:
        read({"other": 1}, "x", *args)
    assert (caught.value.field, caught.value.problem) == ("x", "missing")


def test_the_error_is_a_value_error_so_load_state_still_catches_it() -> None:
    assert issubclass(StateFieldError, ValueError)


@pytest.mark.parametrize(
    ("value", "expected"),
    [("1.50", D("1.50")), (" 2 ", D(2)), (7, D(7)), (D("-0.1"), D("-0.1")), ("1E+3", D(1000))],
)
def test_decimal_field_accepts_strings_ints_and_decimals(value: object, expected: D) -> None:
    assert decimal_field({"x": value}, "x") == expected


@pytest.mark.parametrize(
    ("value", "message"),
    [
        (1.5, f"x: {DECIMAL}, got float"),
        (True, f"x: {DECIMAL}, got bool"),
        (None, f"x: {DECIMAL}, got null"),
        (["1"], f"x: {DECIMAL}, got list"),
        ("abc", f"x: {DECIMAL}, got 'abc'"),
        ("NaN", f"x: {DECIMAL}, got 'NaN'"),
        ("-Infinity", f"x: {DECIMAL}, got '-Infinity'"),
    ],
)
def test_decimal_field_refuses_floats_and_what_is_not_a_finite_decimal(value: object, message: str) -> None:
    assert refusal(decimal_field, value) == message


def test_decimal_list_field_reads_back_what_decimals_to_json_wrote() -> None:
    values = (D("100.50"), D("0"), D("-3"))
    assert decimals_to_json(values) == ["100.5", "0", "-3"]
    assert decimal_list_field({"x": decimals_to_json(values)}, "x") == values
    assert decimal_list_field({"x": ("1", 2)}, "x") == (D(1), D(2))
    assert decimal_list_field({"x": []}, "x") == ()


def test_decimal_list_field_names_the_bad_item() -> None:
    assert refusal(decimal_list_field, "1") == "x: expected a list of decimal strings, got '1'"
    assert refusal(decimal_list_field, ["1", 1.5]) == f"x[1]: {DECIMAL}, got float"
    assert refusal(decimal_list_field, ["1", "2", "x"]) == f"x[2]: {DECIMAL}, got 'x'"


def test_int_field() -> None:
    assert int_field({"x": 0}, "x") == 0
    assert int_field({"x": -1_700_000_000_000}, "x") == -1_700_000_000_000
    assert refusal(int_field, True) == "x: expected an integer, got bool"
    assert refusal(int_field, 1.0) == "x: expected an integer, got float"
    assert refusal(int_field, "1") == "x: expected an integer, got '1'"
    assert refusal(int_field, None) == "x: expected an integer, got null"


def test_optional_int_field_takes_null_but_not_a_missing_key() -> None:
    assert optional_int_field({"x": None}, "x") is None
    assert optional_int_field({"x": 5}, "x") == 5
    assert refusal(optional_int_field, False) == "x: expected an integer or null, got bool"
    assert refusal(optional_int_field, "5") == "x: expected an integer or null, got '5'"


def test_bool_field() -> None:
    assert bool_field({"x": True}, "x") is True
    assert bool_field({"x": False}, "x") is False
    assert refusal(bool_field, 1) == "x: expected a boolean, got int"
    assert refusal(bool_field, "yes") == "x: expected a boolean, got 'yes'"


def test_text_field() -> None:
    assert text_field({"x": ""}, "x") == ""
    assert text_field({"x": "operator"}, "x") == "operator"
    assert refusal(text_field, None) == "x: expected a string, got null"
    assert refusal(text_field, 3) == "x: expected a string, got int"


def test_a_long_string_is_shortened_in_the_message() -> None:
    message = refusal(int_field, "9" * 10_000)
    assert message.startswith("x: expected an integer, got '999")
    assert len(message) < 80


def test_text_list_field() -> None:
    assert text_list_field({"x": ["BTCTRY", "ETHTRY"]}, "x") == ("BTCTRY", "ETHTRY")
    assert text_list_field({"x": ("A",)}, "x") == ("A",)
    assert text_list_field({"x": []}, "x") == ()
    assert refusal(text_list_field, "AB") == "x: expected a list of strings, got 'AB'"
    assert refusal(text_list_field, {"A": 1}) == "x: expected a list of strings, got dict"
    assert refusal(text_list_field, ["A", 1]) == "x[1]: expected a string, got int"


def test_enum_field_reads_a_member_by_its_value() -> None:
    assert enum_field({"x": "reduce"}, "x", RiskMode) is RiskMode.REDUCE
    one_of = "expected one of ['normal', 'reduce', 'observe']"
    assert refusal(enum_field, "red", RiskMode) == f"x: {one_of}, got 'red'"
    assert refusal(enum_field, "REDUCE", RiskMode) == f"x: {one_of}, got 'REDUCE'"
    assert refusal(enum_field, None, RiskMode) == f"x: {one_of}, got null"


def test_mapping_field_wants_string_keys() -> None:
    assert mapping_field({"x": {}}, "x") == {}
    assert mapping_field({"x": {"a": 1}}, "x") == {"a": 1}
    assert refusal(mapping_field, []) == "x: expected an object with string keys, got list"
    assert refusal(mapping_field, {1: "a"}) == "x: expected an object with string keys, got dict"


def test_map_field_reads_every_entry_and_names_the_bad_one() -> None:
    assert map_field({"x": {"A": 1, "B": 2}}, "x", int_field) == {"A": 1, "B": 2}
    assert map_field({"x": {"A": "1.5"}}, "x", decimal_field) == {"A": D("1.5")}
    assert map_field({"x": {"A": ["1"]}}, "x", decimal_list_field) == {"A": (D(1),)}
    assert refusal(map_field, {"A": 1, "B": "2"}, int_field) == "x.B: expected an integer, got '2'"
    assert refusal(map_field, {"A": ["1", 0.5]}, decimal_list_field) == f"x.A[1]: {DECIMAL}, got float"
    assert refusal(map_field, [1], int_field) == "x: expected an object with string keys, got list"


def test_object_map_field_decodes_each_entry() -> None:
    assert object_map_field({"x": {"A": {"y": 1}, "B": {"y": 2}}}, "x", point) == {"A": 1, "B": 2}
    assert refusal(object_map_field, {"A": 3}, point) == "x.A: expected an object with string keys, got int"
    assert refusal(object_map_field, {"A": {}}, point) == "x.A.y: missing"
    assert refusal(object_map_field, {"A": {"y": "1"}}, point) == "x.A.y: expected an integer, got '1'"


def test_object_map_field_prefixes_the_decoders_own_validation_error() -> None:
    with pytest.raises(ValueError, match=r"^x\.A\.y: must be >= 0, got -1$") as caught:
        object_map_field({"x": {"A": {"y": -1}}}, "x", point)
    assert not isinstance(caught.value, StateFieldError)


def test_object_list_field_decodes_each_item() -> None:
    assert object_list_field({"x": [{"y": 1}, {"y": 2}]}, "x", point) == (1, 2)
    assert object_list_field({"x": ()}, "x", point) == ()
    assert refusal(object_list_field, {"y": 1}, point) == "x: expected a list of objects, got dict"
    assert (
        refusal(object_list_field, [{"y": 1}, 7], point)
        == "x[1]: expected an object with string keys, got int"
    )
    assert refusal(object_list_field, [{"y": 1}, {}], point) == "x[1].y: missing"
    with pytest.raises(ValueError, match=r"^x\[0\]\.y: must be >= 0, got -1$"):
        object_list_field({"x": [{"y": -1}]}, "x", point)


def test_within_prefixes_value_errors_and_lets_others_through() -> None:
    assert within("a", lambda: 5) == 5
    with pytest.raises(StateFieldError) as caught:
        within("a", lambda: int_field({}, "b"))
    assert (caught.value.field, caught.value.problem, str(caught.value)) == ("a.b", "missing", "a.b: missing")

    def broken() -> int:
        raise TypeError("not ours to rename")

    with pytest.raises(TypeError, match=r"^not ours to rename$"):
        within("a", broken)
