"""The kill switch: persistent and latched. Once tripped it stays recorded until cleared explicitly.

An operator trips it by command; the daemon trips it itself on a rule (`auto:<rule>`). While engaged
the safety gate refuses every new order. A switch may carry an expiry; past it the switch is no
longer engaged but stays recorded (and the caller reports it) until someone clears it.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal

from bot.domain.json_fields import bool_field, optional_int_field, text_field

OPERATOR = "operator"
AUTO_PREFIX = "auto:"
RULE_CRITICAL_ERRORS = "critical_errors"
RULE_HARD_DRAWDOWN = "hard_drawdown"
NO_REASON = "no reason given"


@dataclass(frozen=True, slots=True, kw_only=True)
class KillSwitch:
    """Persisted. `since_ms` is when the switch entered its current state (None: never tripped)."""

    active: bool
    reason: str
    source: str  # "operator" or "auto:<rule>"; "" when inactive
    since_ms: int | None
    expires_ms: int | None  # None: until cleared

    def __post_init__(self) -> None:
        if not self.active:
            if self.expires_ms is not None:
                raise ValueError("expires_ms: must be null when the switch is not active")
            return
        if not self.reason:
            raise ValueError("reason: an active switch needs a reason")
        _check_source(self.source)
        if self.since_ms is None:
            raise ValueError("since_ms: an active switch needs the time it was tripped")
        if self.expires_ms is not None and self.expires_ms <= self.since_ms:
            raise ValueError(f"expires_ms: {self.expires_ms} must be after since_ms {self.since_ms}")

    @classmethod
    def off(cls) -> KillSwitch:
        return cls(active=False, reason="", source="", since_ms=None, expires_ms=None)

    def engaged(self, now_ms: int) -> bool:
        """Active and not past its expiry."""
        return self.active and (self.expires_ms is None or now_ms < self.expires_ms)

    def to_json(self) -> dict[str, object]:
        return {
            "active": self.active,
            "reason": self.reason,
            "source": self.source,
            "since_ms": self.since_ms,
            "expires_ms": self.expires_ms,
        }

    @classmethod
    def from_json(cls, data: Mapping[str, object]) -> KillSwitch:
        """Raises ValueError (StateFieldError for a missing or malformed field) naming the field."""
        return cls(
            active=bool_field(data, "active"),
            reason=text_field(data, "reason"),
            source=text_field(data, "source"),
            since_ms=optional_int_field(data, "since_ms"),
            expires_ms=optional_int_field(data, "expires_ms"),
        )


def trip(
    current: KillSwitch, *, reason: str, source: str, now_ms: int, expires_ms: int | None = None
) -> KillSwitch:
    """Engage the switch. Raises ValueError on a bad source or an expiry not after now.

    Never refuses for want of a reason: an empty one is recorded as NO_REASON, because an
    operator stopping the bot in a hurry must not be turned away.

    Latched: tripping an engaged switch keeps its original since/reason/source (and extends a
    finite expiry to the later one), except that a trip without expiry replaces one with expiry.
    A switch that has expired is tripped afresh.
    """
    reason = reason.strip() or NO_REASON
    tripped = KillSwitch(active=True, reason=reason, source=source, since_ms=now_ms, expires_ms=expires_ms)
    if not current.engaged(now_ms):
        return tripped
    if current.expires_ms is None:
        return current
    if expires_ms is None:
        return tripped
    return KillSwitch(
        active=True,
        reason=current.reason,
        source=current.source,
        since_ms=current.since_ms,
        expires_ms=max(current.expires_ms, expires_ms),
    )


def clear(current: KillSwitch, *, now_ms: int) -> KillSwitch:
    """Disengage (operator command). Clearing a switch that is off changes nothing."""
    if not current.active:
        return current
    return KillSwitch(active=False, reason="", source="", since_ms=now_ms, expires_ms=None)


@dataclass(frozen=True, slots=True, kw_only=True)
class AutoTripPolicy:
    max_consecutive_critical_errors: int  # this many in a row trips the switch
    hard_drawdown_ratio: Decimal  # drawdown from peak equity at or above this trips the switch

    def __post_init__(self) -> None:
        if self.max_consecutive_critical_errors < 1:
            raise ValueError("max_consecutive_critical_errors: must be >= 1")
        if not 0 < self.hard_drawdown_ratio <= 1:
            raise ValueError(f"hard_drawdown_ratio: must be in (0, 1], got {self.hard_drawdown_ratio}")


def auto_trip_reason(
    *, consecutive_critical_errors: int, drawdown_ratio: Decimal, policy: AutoTripPolicy
) -> str | None:
    """Why the daemon must trip the switch itself, or None. The reason starts with the rule name."""
    found = _auto_trip(consecutive_critical_errors, drawdown_ratio, policy)
    return None if found is None else found[1]


def auto_trip(
    current: KillSwitch,
    *,
    consecutive_critical_errors: int,
    drawdown_ratio: Decimal,
    policy: AutoTripPolicy,
    now_ms: int,
) -> KillSwitch:
    """Trip the switch (source `auto:<rule>`, no expiry) when a rule calls for it; else unchanged."""
    found = _auto_trip(consecutive_critical_errors, drawdown_ratio, policy)
    if found is None:
        return current
    rule, reason = found
    return trip(current, reason=reason, source=AUTO_PREFIX + rule, now_ms=now_ms)


def tripped_by_rule(current: KillSwitch, *, reason: str, now_ms: int) -> KillSwitch | None:
    """The switch an automatic trip for `reason` (`<rule>: <detail>`) leaves, or None when the
    switch is already engaged.

    A rule keeps calling for the trip every cycle its condition holds; only the cycle that engages
    the switch changes anything, so only it is recorded and reported (one CRITICAL line, not one
    per cycle while latched).
    """
    if current.engaged(now_ms):
        return None
    rule = reason.split(":", 1)[0]
    return trip(current, reason=reason, source=AUTO_PREFIX + rule, now_ms=now_ms)


def _auto_trip(errors: int, drawdown_ratio: Decimal, policy: AutoTripPolicy) -> tuple[str, str] | None:
    if drawdown_ratio >= policy.hard_drawdown_ratio:
        detail = f"drawdown_ratio={drawdown_ratio}>={policy.hard_drawdown_ratio}"
        return RULE_HARD_DRAWDOWN, f"{RULE_HARD_DRAWDOWN}: {detail}"
    if errors >= policy.max_consecutive_critical_errors:
        detail = f"consecutive_critical_errors={errors}>={policy.max_consecutive_critical_errors}"
        return RULE_CRITICAL_ERRORS, f"{RULE_CRITICAL_ERRORS}: {detail}"
    return None


def _check_source(source: str) -> None:
    if source != OPERATOR and not (source.startswith(AUTO_PREFIX) and len(source) > len(AUTO_PREFIX)):
        raise ValueError(f"source: {source!r} must be 'operator' or 'auto:<rule>'")
