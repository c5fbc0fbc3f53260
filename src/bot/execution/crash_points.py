"""Named points on the order path where a crash test can stop the process (the kill -9 matrix).

Set `TEST_BOT_CRASH_AT=<point>` (or `<point>:<n>` for the n-th time the point is reached,
default the first) in a daemon's environment and it SIGKILLs itself there: no cleanup, no
flush, exactly as a power cut or the OOM killer would. Unset, `reach` does nothing but one
dictionary lookup. The variable deliberately lies outside the `BOT_*` namespace, which the
configuration owns and checks.
"""

from __future__ import annotations

import os
import signal
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
    """Mark `point`; kill this process with SIGKILL if a crash test asked to stop here."""
    if _TARGET is None or _TARGET[0] != point:
        return
    _counts[point] = _counts.get(point, 0) + 1
    if _counts[point] >= _TARGET[1]:
        os.kill(os.getpid(), signal.SIGKILL)
