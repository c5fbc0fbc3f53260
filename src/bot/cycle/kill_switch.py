"""The latched kill switch in the ledger: read by every cycle, changed by the operator or a rule.

It lives in the ledger (a `KillSwitchChanged` event, projected to the `state` table), so it
survives restarts and `ledger verify` checks it. Changing it does not take the instance lock:
an operator must be able to trip it while the daemon runs (SQLite serialises the writes), and
the daemon reads it at the start of every cycle's check.
"""

from __future__ import annotations

import logging

from bot.cycle.persisted_state import load_state
from bot.risk.kill_switch import KillSwitch, clear, trip
from bot.store import Database
from bot.store.ledger_events import KillSwitchChanged

log = logging.getLogger(__name__)
KEY = "kill_switch"


def read_kill_switch(database: Database) -> KillSwitch:
    return load_state(database, KEY, KillSwitch.from_json) or KillSwitch.off()


def trip_kill_switch(
    database: Database, *, reason: str, source: str, now_ms: int, expires_ms: int | None = None
) -> KillSwitch:
    switch = trip(
        read_kill_switch(database), reason=reason, source=source, now_ms=now_ms, expires_ms=expires_ms
    )
    _record(database, switch, action="tripped", note=reason, now_ms=now_ms)
    log.critical(
        "kill switch tripped: no new orders until an operator clears it",
        extra={"fields": {"reason": reason, "source": source, "expires_ms": expires_ms}},
    )
    return switch


def clear_kill_switch(database: Database, *, reason: str, now_ms: int) -> KillSwitch:
    before = read_kill_switch(database)
    switch = clear(before, now_ms=now_ms)
    _record(database, switch, action="cleared", note=reason, now_ms=now_ms)
    log.warning(
        "kill switch cleared by the operator",
        extra={"fields": {"reason": reason, "was": before.reason, "source_was": before.source}},
    )
    return switch


def _record(database: Database, switch: KillSwitch, *, action: str, note: str, now_ms: int) -> None:
    with database.unit_of_work() as uow:
        uow.record(KillSwitchChanged(switch=switch.to_json(), action=action, note=note, ts_ms=now_ms))
        uow.commit()
