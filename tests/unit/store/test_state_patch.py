"""Incremental state: a patch turns the old value into exactly the new one, a sliding window
costs one item, and the stored state after a patch is the canonical text a full write gives."""

from __future__ import annotations

import json

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.cycle.persisted_state import save_state
from bot.domain.events import EventType
from bot.store import Database, StoreError
from bot.store.ledger_events import from_mapping
from bot.store.payloads import canonicalise, dumps
from bot.store.state_patch import apply, diff

scalars = st.none() | st.booleans() | st.integers(-(10**6), 10**6) | st.text(max_size=6)
json_values = st.recursive(
    scalars,
    lambda inner: st.lists(inner, max_size=6) | st.dictionaries(st.text(max_size=4), inner, max_size=5),
    max_leaves=25,
)


@settings(max_examples=300, deadline=None)
@given(old=json_values, new=json_values)
def test_a_patch_turns_the_old_value_into_exactly_the_new_one(old, new):
    patch = diff(old, new)
    assert apply(old, json.loads(json.dumps(patch))) == new


@settings(max_examples=100, deadline=None)
@given(window=st.lists(st.integers(), min_size=1, max_size=30), added=st.lists(st.integers(), max_size=3))
def test_a_sliding_window_is_recorded_as_what_it_dropped_and_gained(window, added):
    new = [*window[len(added) :], *added]
    patch = diff({"w": window}, {"w": new})
    assert apply({"w": window}, patch) == {"w": new}
    if window != new and len(added) < len(window):  # something kept: a window, not a replacement
        [(_, body)] = patch["{}"].items()
        assert body["[]"][1] == new[len(new) - len(body["[]"][1]) :]
        assert len(body["[]"][1]) <= len(added)


def test_removed_keys_and_unchanged_keys():
    assert diff({"a": 1, "b": 2}, {"a": 1}) == {"{}": {"b": {"-": None}}}
    assert diff({"a": 1}, {"a": 1}) == {"{}": {}}
    assert diff([1, 2], [3]) == {"=": [3]}


@pytest.mark.parametrize(
    "patch",
    [{"[]": [5, []]}, {"{}": {"x": {"-": None}}}, {"?": 1}, {"=": 1, "{}": {}}, {"[]": [True, []]}],
)
def test_a_patch_that_does_not_fit_is_refused(patch):
    with pytest.raises(ValueError):
        apply({"w": [1]} if "{}" in patch else [1], patch)


@settings(max_examples=40, deadline=None)
@given(
    values=st.lists(
        st.dictionaries(st.sampled_from("abc"), st.lists(st.integers(0, 9), max_size=8)), max_size=8
    )
)
def test_the_stored_state_after_patches_is_the_canonical_text_of_the_value(values):
    db = Database.in_memory()
    for ts, value in enumerate(values, start=1):
        with db.unit_of_work() as uow:
            save_state(uow, "k", {"v": value, "n": ts % 3}, ts, incremental=True)
            uow.commit()
        assert db.state.get("k") == dumps(canonicalise({"v": value, "n": ts % 3}))


def test_a_window_change_is_recorded_as_a_patch_and_a_patch_on_nothing_is_refused():
    db = Database.in_memory()
    window = list(range(40))
    for ts in (1, 2):
        with db.unit_of_work() as uow:
            save_state(uow, "w", {"window": window}, ts, incremental=True)
            uow.commit()
        window = [*window[1:], 40 + ts]
    types = [t for (t,) in db.connection.execute("SELECT type FROM events ORDER BY seq")]
    assert types == [EventType.STATE_CHANGED.value, EventType.STATE_PATCHED.value]
    with db.unit_of_work() as uow, pytest.raises(StoreError, match="no state 'missing' to patch"):
        uow.record(from_mapping(EventType.STATE_PATCHED, {"key": "missing", "patch": {"=": {}}, "ts_ms": 3}))
