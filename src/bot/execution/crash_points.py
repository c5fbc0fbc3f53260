"""Named points on the order path where a crash test can stop the process (the kill -9 matrix).

Set `TEST_BOT_CRASH_AT=<point>` (or `<point>:<n>` for the n-th time the point is reached,
default the first) in a daemon's environment and it SIGKILLs itself there: no cleanup, no
flush, exactly as a power cut or the OOM killer would. Unset, `reach` does nothing but one
dictionary lookup. The variable deliberately lies outside the `BOT_*` namespace, which the
configuration owns and checks.

A drill (`bot drill run crash`) arms a point in its own process instead (`armed`): reaching it
raises `Crash`, a BaseException no handler on the order path catches, so the cycle stops there
and its open unit of work is rolled back, as SQLite rolls back a killed process's transaction.
"""

from __future__ import annotations

import os
import signal
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Final

ENV_VAR: Final = "TEST_BOT_CRASH_AT"

# Every point the order path marks, in the order an order meets them.
POINTS: Final = (
    "before_write_ahead",  # the submit's decision is committed; its write-ahead row is not
    "after_write_ahead",  # the write-ahead row is committed; the request has not left
    "after_submit_response",  # the exchange acknowledged; the ack is not yet recorded
    "cancel_before_send",  # the cancel request is recorded; the request has not left
    "cancel_after_send",  # the exchange answered the cancel
    "reconcile_before_commit",  # fills read from the exchange, not yet committed
    "reconcile_after_fills",  # fills proposed, nothing committed yet (one unit of work per reconcile)
)

_counts: dict[str, int] = {}
_in_process: tuple[str, int] | None = None


class Crash(BaseException):
    """A drill's stand-in for SIGKILL at a crash point (a BaseException: `except Exception` on
    the order path does not catch it, as nothing catches a kill)."""

    def __init__(self, point: str) -> None:
        super().__init__(f"crashed at {point}")
        self.point = point


@contextmanager
def armed(point: str, nth: int = 1) -> Iterator[None]:
    """Within the block, the `nth` time `point` is reached raises `Crash`."""
    global _in_process
    if point not in POINTS:
        raise ValueError(f"unknown crash point {point!r} (known: {', '.join(POINTS)})")
    _counts.pop(point, None)
    _in_process = (point, nth)
    try:
        yield
    finally:
        _in_process = None
        _counts.pop(point, None)


def _target() -> tuple[str, int] | None:
    spec = os.environ.get(ENV_VAR)
    if not spec:
        return None
    name, _, nth = spec.partition(":")
    if name not in POINTS:
        raise ValueError(f"{ENV_VAR}={spec!r}: unknown crash point (known: {', '.join(POINTS)})")
    return name, int(nth) if nth else 1


_TARGET = _target()


def reach(point: str) -> None:
    """Mark `point`; kill this process with SIGKILL if a crash test asked to stop here (raise
    `Crash` if a drill armed it)."""
    target = _in_process or _TARGET
    if target is None or target[0] != point:
        return
    _counts[point] = _counts.get(point, 0) + 1
    if _counts[point] < target[1]:
        return
    if _in_process is not None:
        raise Crash(point)
    os.kill(os.getpid(), signal.SIGKILL)
