"""Which failures the CLI reports as a one-line error, and with which exit code."""

from __future__ import annotations

from typing import Literal

from bot.app.lock import InstanceLocked
from bot.config import ConfigError
from bot.exchange.errors import AuthError
from bot.obs.metrics_server import MetricsAddressUnusable
from bot.store import DatabaseTooNew, StoreError
from bot.store.errors import FencingLost

Kind = Literal["failed", "config", "locked", "database", "auth"]
EXIT_CODES: dict[Kind, int] = {"failed": 1, "config": 2, "locked": 3, "database": 4, "auth": 5}


class CommandError(Exception):
    """A command's arguments or inputs cannot be used (a file that exists, a bad dataset)."""


class CommandFailed(Exception):
    """The command ran but could not do its work (an exchange it cannot reach, a window with no
    data): one line, exit 1."""


def classify(error: BaseException) -> Kind | None:
    if isinstance(error, CommandFailed):
        return "failed"
    if isinstance(error, ConfigError | CommandError | MetricsAddressUnusable):
        return "config"
    if isinstance(error, InstanceLocked | FencingLost):
        return "locked"
    if isinstance(error, DatabaseTooNew | StoreError):
        return "database"
    if isinstance(error, AuthError):
        return "auth"
    return None
