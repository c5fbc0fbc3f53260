"""Fault-injection knobs of the simulator: a frozen pydantic model, loadable from TOML.

Every knob is off by default, so `FaultProfile()` is a well-behaved exchange. Ratios are
probabilities in [0, 1] drawn per request from a generator seeded with `SimConfig.seed`, so the
same seed and the same request sequence inject the same faults. Durations name their unit.
"""

from __future__ import annotations

import tomllib
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

Ratio = Annotated[float, Field(ge=0, le=1)]
LATENCY_DEFAULT = "default"
_METHODS = ("GET", "POST", "DELETE", "PUT")


class FaultProfileError(ValueError):
    """A fault profile is invalid; the message names the file (or option) and the key."""


def route_key(method: str, path: str) -> str:
    """'POST /api/v1/order': upper-case method, lower-case path, order ids as `{orderid}`."""
    lowered = path.lower().rstrip("/") or "/"
    prefix = "/api/v1/order/"
    if lowered.startswith(prefix) and lowered[len(prefix) :].isdigit():
        lowered = prefix + "{orderid}"
    return f"{method.upper()} {lowered}"


class FaultProfile(BaseModel):
    """The active faults. See configs/faults/*.toml for commented examples."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    latency_ms: dict[str, tuple[int, int]] = Field(
        default_factory=dict,
        description="uniform [min, max] ms added before answering; key 'default' or 'METHOD /path'",
    )
    http_429_ratio: Ratio = 0.0
    retry_after_s: int = Field(default=1, ge=0, description="Retry-After of injected (random) 429s")
    http_5xx_ratio: Ratio = 0.0
    enforce_rate_limits: bool = Field(default=False, description="answer 429 over the §8 table")
    submit_drop_response_ratio: Ratio = Field(
        default=0.0, description="POST /order is accepted, its answer held for submit_response_delay_s"
    )
    submit_response_delay_s: float = Field(default=3.0, ge=0, description="beyond the client timeout")
    open_orders_visibility_delay_ms: int = Field(
        default=0, ge=0, description="accepted orders hidden from order queries this long"
    )
    report_delay_ms: int = Field(
        default=0, ge=0, description="order queries and fills report the exchange as it was this long ago"
    )
    never_visible_ratio: Ratio = Field(
        default=0.0, description="POST /order lost: never placed, its answer held then 504"
    )
    frozen_feed: bool = False
    stuck_timestamps: bool = Field(
        default=False,
        description="REST ticker and book keep moving but their timestamps stay where they were when set",
    )
    freeze_after_s: float | None = Field(default=None, ge=0, description="freeze after N s of wall time")
    clock_skew_ms: int = Field(default=0, description="added to server time and to the stamp check")
    malformed_ratio: Ratio = Field(default=0.0, description="a 200 body with one field of the wrong type")
    truncated_ratio: Ratio = Field(default=0.0, description="a 200 body cut in half")
    ws_disconnect_every_s: float | None = Field(
        default=None, gt=0, description="WebSocket: close every connection after N s"
    )
    ws_stall_probability: Ratio = Field(
        default=0.0, description="WebSocket: chance, checked once per second of connection, of a stall"
    )
    ws_stall_s: float = Field(default=5.0, ge=0, description="WebSocket: silence (socket open) per stall")

    @field_validator("latency_ms")
    @classmethod
    def _latency_keys_and_ranges(cls, value: dict[str, tuple[int, int]]) -> dict[str, tuple[int, int]]:
        normalized: dict[str, tuple[int, int]] = {}
        for key, (low, high) in value.items():
            if not 0 <= low <= high:
                raise ValueError(f"{key!r}: need 0 <= min <= max, got [{low}, {high}]")
            normalized[_latency_key(key)] = (low, high)
        return normalized

    def latency_range_ms(self, route: str) -> tuple[int, int]:
        """The [min, max] ms for a `route_key`, else the default, else no latency."""
        return self.latency_ms.get(route) or self.latency_ms.get(LATENCY_DEFAULT) or (0, 0)

    def updated(self, changes: Mapping[str, object]) -> FaultProfile:
        """A validated copy with `changes` deep-merged in; raises pydantic's ValidationError."""
        return FaultProfile.model_validate(_deep_merge(self.model_dump(), changes))


def _latency_key(key: str) -> str:
    if key == LATENCY_DEFAULT:
        return key
    method, _, path = key.strip().partition(" ")
    if method.upper() not in _METHODS or not path.startswith("/"):
        raise ValueError(f"{key!r}: use 'default' or 'METHOD /path' (e.g. 'POST /api/v1/order')")
    return route_key(method, path.strip())


def _deep_merge(base: Mapping[str, object], changes: Mapping[str, object]) -> dict[str, object]:
    merged = dict(base)
    for key, value in changes.items():
        current = merged.get(key)
        if isinstance(current, Mapping) and isinstance(value, Mapping):
            merged[key] = _deep_merge(current, value)
        else:
            merged[key] = value
    return merged


def describe_errors(error: ValidationError) -> str:
    """'key.sub: message; ...' for every problem pydantic found."""
    return "; ".join(
        f"{'.'.join(str(part) for part in item['loc']) or '<root>'}: {item['msg']}" for item in error.errors()
    )


def load_fault_profile(path: Path | str) -> FaultProfile:
    """Read a TOML file whose top-level keys are FaultProfile knobs.

    Raises FaultProfileError naming the file and, for schema errors, each offending key.
    """
    source = Path(path)
    try:
        data = tomllib.loads(source.read_text(encoding="utf-8"))
    except OSError as e:
        raise FaultProfileError(f"{source}: cannot read: {e.strerror or e}") from e
    except tomllib.TOMLDecodeError as e:
        raise FaultProfileError(f"{source}: invalid TOML: {e}") from e
    except UnicodeDecodeError as e:
        raise FaultProfileError(
            f"{source}: byte {e.start} is not UTF-8 (0x{e.object[e.start]:02x}); TOML must be UTF-8:"
            " re-save the file as UTF-8"
        ) from e
    try:
        return FaultProfile.model_validate(data)
    except ValidationError as e:
        raise FaultProfileError(f"{source}: {describe_errors(e)}") from e


def parse_assignments(assignments: Iterable[str]) -> dict[str, object]:
    """`KEY=VALUE` strings (TOML values, dotted keys allowed) -> one nested mapping of changes.

    A value that is not valid TOML is taken as a bare string. Raises FaultProfileError.
    """
    changes: dict[str, object] = {}
    for assignment in assignments:
        key, sep, value = assignment.partition("=")
        if not sep or not key.strip():
            raise FaultProfileError(f"--fault {assignment!r}: expected KEY=VALUE")
        try:
            parsed = tomllib.loads(f"{key.strip()} = {value.strip()}")
        except tomllib.TOMLDecodeError:
            try:
                parsed = tomllib.loads(f"{key.strip()} = {_toml_string(value.strip())}")
            except tomllib.TOMLDecodeError as e:
                raise FaultProfileError(f"--fault {assignment!r}: {e}") from e
        changes = _deep_merge(changes, parsed)
    return changes


def apply_assignments(profile: FaultProfile, assignments: Iterable[str]) -> FaultProfile:
    """`profile` with `--fault KEY=VALUE` overrides applied; errors name the key."""
    changes = parse_assignments(assignments)
    try:
        return profile.updated(changes)
    except ValidationError as e:
        raise FaultProfileError(f"--fault: {describe_errors(e)}") from e


def _toml_string(value: str) -> str:
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'
