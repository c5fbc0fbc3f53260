"""Operator commands that change the ledger: they take the instance lock like the daemon does."""

from __future__ import annotations

from bot.app.composition import build_runtime
from bot.app.errors import CommandError
from bot.app.lock import InstanceLock
from bot.config import Settings
from bot.execution.operator import CannotResolve, resolve_not_placed
from bot.obs.metrics import Metrics
from bot.store import Database


def settle_unknown_order(settings: Settings, client_order_id: str, reason: str) -> str:
    path = settings.store.path
    if not path.exists():
        raise CommandError(f"no ledger at {path}")
    with InstanceLock(path), Database.open(path, synchronous=settings.store.synchronous) as db:
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
