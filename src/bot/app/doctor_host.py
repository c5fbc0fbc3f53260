"""`bot doctor`'s checks of the machine: the metrics port and the ledger's disk.

The port is probed, never held: free (nothing serves metrics there: the daemon is down or its
metrics are off), served by this ledger's daemon (its `bot_ledger_info` names this ledger's id),
or taken by something else (a second bot, another program), which a daemon starting now would
fail on.
"""

from __future__ import annotations

import errno
import shutil
import socket
from pathlib import Path
from typing import TYPE_CHECKING

from bot.config import Settings

if TYPE_CHECKING:
    from bot.app.doctor import Finding, Status

DISK_FAIL_BYTES = 100 * 1024**2  # below this the next checkpoints and WAL growth may not fit
DISK_WARN_BYTES = 1024**3
PROBE_TIMEOUT_S = 2.0


def metrics_port_finding(settings: Settings, ledger_id: str | None) -> Finding:
    from bot.app.doctor import Finding

    obs = settings.observability
    name = "metrics.port"
    if not obs.metrics_enabled:
        return Finding(name=name, status="skip", detail="observability.metrics_enabled = false")
    if obs.metrics_port == 0:
        return Finding(name=name, status="skip", detail="observability.metrics_port = 0: the OS picks one")
    where = f"{obs.metrics_host}:{obs.metrics_port}"
    free = _free(obs.metrics_host, obs.metrics_port)
    if isinstance(free, str):
        return Finding(
            name=name,
            status="warn",
            value=obs.metrics_port,
            detail=f"cannot probe {where} from here ({free}): is doctor on the daemon's host and network?",
            runbook="runbooks/slo.md#metrics_port",
        )
    if free:
        return Finding(
            name=name,
            status="pass",
            value=obs.metrics_port,
            detail=f"{where} is free: no daemon serves metrics there now",
        )
    text = _scrape(obs.metrics_host, obs.metrics_port)
    if text is not None and ledger_id is not None and f'bot_ledger_info{{ledger_id="{ledger_id}"}}' in text:
        served = f"{where} is served by this ledger's daemon"
        return Finding(name=name, status="pass", value=obs.metrics_port, detail=served)
    another_bot = text is not None and "bot_ledger_info" in text
    what = "another bot (a different ledger)" if another_bot else "another program"
    return Finding(
        name=name,
        status="fail",
        value=obs.metrics_port,
        detail=f"{where} is taken by {what}: a daemon of this ledger could not serve its metrics; set"
        " observability.metrics_port to a free port (0 lets the OS pick)",
        runbook="runbooks/slo.md#metrics_port",
    )


def disk_finding(ledger: Path) -> Finding:
    from bot.app.doctor import Finding

    free = shutil.disk_usage(ledger.resolve().parent).free
    status: Status = "fail" if free < DISK_FAIL_BYTES else ("warn" if free < DISK_WARN_BYTES else "pass")
    return Finding(
        name="disk.free",
        status=status,
        value=free,
        threshold=DISK_FAIL_BYTES,
        unit="bytes",
        detail=f"{free / 1024**3:.2f} GiB free beside the ledger"
        + ("" if status == "pass" else "; free space before the ledger's writes fail"),
        runbook=None if status == "pass" else "runbooks/slo.md#disk_free",
    )


def _free(host: str, port: int) -> bool | str:
    """True: nothing listens there; False: something does; a text: the address cannot be probed
    from here (not an address of this host, a name that does not resolve)."""
    with socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET, socket.SOCK_STREAM) as probe:
        try:
            probe.bind((host, port))
        except OSError as error:
            if error.errno in (errno.EADDRINUSE, errno.EACCES):
                return False
            return error.strerror or str(error)
    return True


def _scrape(host: str, port: int) -> str | None:
    import urllib.request

    url = f"http://{'[' + host + ']' if ':' in host else host}:{port}/metrics"
    try:
        with urllib.request.urlopen(url, timeout=PROBE_TIMEOUT_S) as response:
            return str(response.read(4 * 1024 * 1024).decode("utf-8", "replace"))
    except (OSError, ValueError):
        return None
