"""Operator commands that change the ledger. Resolving an order takes the instance lock like the
daemon does; the kill switch deliberately does not, so it can be thrown while the daemon runs
(its next cycle reads it; see `bot.cycle.kill_switch`)."""

from __future__ import annotations

import sys
from datetime import UTC, datetime

from bot.app.errors import CommandError
from bot.app.ledger_access import open_checked
from bot.app.lock import InstanceLock
from bot.config import Settings, secret_values
from bot.cycle.clocks import SystemClock
from bot.cycle.kill_switch import clear_kill_switch, read_kill_switch, trip_kill_switch
from bot.execution.operator import CannotResolve, resolve_not_placed
from bot.obs.logging import configure_logging
from bot.risk.kill_switch import KillSwitch


def settle_unknown_order(settings: Settings, client_order_id: str, reason: str) -> str:
    # The whole runtime (stages, adapters) loads for this command only, not for the kill switch
    # or `ledger show`, which use the rest of this module.
    from bot.app.composition import build_runtime
    from bot.obs.metrics import Metrics

    path = settings.store.path
    if not path.exists():
        raise CommandError(f"no ledger at {path}")
    obs = settings.observability
    configure_logging(obs.log_level, obs.log_format, sys.stderr, secrets=secret_values(settings))
    wall = SystemClock()
    with (
        InstanceLock(path) as lock,
        open_checked(path, synchronous=settings.store.synchronous, clock=wall, create=False) as db,
    ):
        lock.record_token(db, wall)
        rt = build_runtime(settings, db, Metrics()).runtime
        try:
            status = resolve_not_placed(db, rt.resolver, rt.clock, client_order_id, reason)
        except CannotResolve as e:
            raise CommandError(str(e)) from e
        finally:
            rt.close()
    if status.value == "rejected":
        return f"{client_order_id}: settled as not placed; its symbol is no longer frozen by it"
    return f"{client_order_id}: found on the exchange ({status.value}); nothing settled by hand"


def kill_switch(settings: Settings, action: str, reason: str | None, expires_in_s: float | None) -> str:
    """`on` trips the latched kill switch, `off` clears it, `status` reads it (wall-clock times)."""
    switch, now, note = change_kill_switch(settings, action, reason, expires_in_s)
    return note or describe_kill_switch(switch, now)


def kill_switch_document(
    settings: Settings, action: str, reason: str | None, expires_in_s: float | None
) -> dict[str, object]:
    """`bot kill-switch ... --json`: the switch after the action."""
    switch, now, note = change_kill_switch(settings, action, reason, expires_in_s)
    return {
        "active": switch.active,
        "engaged": switch.engaged(now),
        "source": switch.source or None,
        "reason": switch.reason or None,
        "since_ms": switch.since_ms,
        "expires_ms": switch.expires_ms,
        "note": note,
    }


def change_kill_switch(
    settings: Settings, action: str, reason: str | None, expires_in_s: float | None
) -> tuple[KillSwitch, int, str | None]:
    """The switch after `action`, the time, and a note when nothing was recorded."""
    obs = settings.observability
    configure_logging(obs.log_level, obs.log_format, sys.stderr, secrets=secret_values(settings))
    path = settings.store.path
    if action != "on" and not path.exists():
        raise CommandError(f"no ledger at {path}")
    path.parent.mkdir(parents=True, exist_ok=True)
    wall = SystemClock()
    now = wall.now_ms()
    # No instance lock: the switch must work while a daemon runs (its next cycle obeys it).
    with open_checked(path, synchronous=settings.store.synchronous, clock=wall) as db:
        if action == "on":
            expires = None if expires_in_s is None else now + int(expires_in_s * 1000)
            switch = trip_kill_switch(
                db, reason=reason or "", source="operator", now_ms=now, expires_ms=expires
            )
        elif action == "off":
            current = read_kill_switch(db)
            if not current.active:
                return current, now, "kill switch: already off (nothing recorded)"
            switch = clear_kill_switch(db, reason=reason or "", now_ms=now)
        else:
            switch = read_kill_switch(db)
    return switch, now, None


def describe_kill_switch(switch: KillSwitch, now_ms: int) -> str:
    if not switch.active:
        return "kill switch: OFF"
    state = (
        "ON" if switch.engaged(now_ms) else "EXPIRED (still recorded; clear it with `bot kill-switch off`)"
    )
    expiry = "" if switch.expires_ms is None else f", expires {_iso(switch.expires_ms)}"
    since = "" if switch.since_ms is None else f" since {_iso(switch.since_ms)}"
    return f"kill switch: {state}{since} by {switch.source}: {switch.reason}{expiry}"


def _iso(ms: int) -> str:
    return datetime.fromtimestamp(ms / 1000, tz=UTC).isoformat(timespec="seconds")
