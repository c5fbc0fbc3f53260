"""Incremental state: the difference between two canonical JSON values, and applying it.

Stages keep sliding windows (the anomaly monitor's observations, volatility and momentum mids)
whose whole value changes by one item a cycle. Recording the window every cycle made state
snapshots most of the ledger's bytes; a `StatePatched` event records only what changed.

A patch is a JSON object with exactly one key saying its form:

- `{"=": value}`: the value replaced whole;
- `{"{}": {key: patch, ...}}`: an object, key by key; `{"-": null}` as a key's patch removes it;
- `{"[]": [k, [item, ...]]}`: a list that dropped its first `k` items and gained the items at
  its end (a sliding window).

`apply(old, diff(old, new)) == new` for every pair of JSON values; the projection applies the
patch to the stored value and stores the canonical text of the result, so the state table holds
exactly what a full `StateChanged` would have written. Hand-written rather than RFC 6902 JSON
Patch: the window form is the one that makes patches small, and the format must never change
under a ledger (it is hashed).
"""

from __future__ import annotations

from bot.store.payloads import JsonValue

Patch = dict[str, JsonValue]


def diff(old: JsonValue, new: JsonValue) -> Patch:
    """The patch that turns `old` into `new` (both canonical JSON values)."""
    if isinstance(old, dict) and isinstance(new, dict):
        changed: dict[str, JsonValue] = {
            key: diff(old[key], value) if key in old else {"=": value}
            for key, value in new.items()
            if key not in old or old[key] != value
        }
        changed.update({key: {"-": None} for key in old if key not in new})
        return {"{}": changed}
    if isinstance(old, list) and isinstance(new, list):
        window = _window(old, new)
        if window is not None:
            return window
    return {"=": new}


def apply(old: JsonValue, patch: JsonValue) -> JsonValue:
    """`old` with `patch` applied. Raises ValueError for a patch that does not fit `old`."""
    if not isinstance(patch, dict) or len(patch) != 1:
        raise ValueError(f"malformed state patch {patch!r}")
    [(form, body)] = patch.items()
    if form == "=":
        return body
    if form == "{}" and isinstance(old, dict) and isinstance(body, dict):
        result = dict(old)
        for key, sub in body.items():
            if sub == {"-": None}:
                if key not in result:
                    raise ValueError(f"state patch removes {key!r}, which is not there")
                del result[key]
            else:
                result[key] = apply(old.get(key), sub)
        return result
    if form == "[]" and isinstance(old, list) and isinstance(body, list) and len(body) == 2:
        drop, add = body
        if isinstance(drop, bool) or not isinstance(drop, int) or not 0 <= drop <= len(old):
            raise ValueError(f"malformed list patch {body!r}")
        if not isinstance(add, list):
            raise ValueError(f"malformed list patch {body!r}")
        return [*old[drop:], *add]
    raise ValueError(f"state patch {form!r} does not fit a {type(old).__name__}")


def _window(old: list[JsonValue], new: list[JsonValue]) -> Patch | None:
    """`new` as `old` without its first k items plus some appended ones, for the smallest k."""
    for drop in range(len(old) + 1):
        kept = len(old) - drop
        if kept <= len(new) and old[drop:] == new[:kept]:
            if drop == len(old) and new:
                return None  # nothing kept: a replacement says it more plainly
            return {"[]": [drop, new[kept:]]}
    return None
