"""The head marker: a small file beside the ledger naming the newest event it is known to hold.

SQLite keeps recent commits in the `-wal` file until a checkpoint copies them into the main file.
Delete the `-wal` after a crash (or back up only the main file and restore it) and the ledger
silently loses those commits: it opens fine, just older. The exchange still has the orders and
trades those commits described. The marker (`<ledger>.head`, rewritten after each cycle and each
start-up check, atomically by rename) survives that: a ledger whose events do not reach the
marker's sequence number, or whose event there has another hash, has been rolled back and is
refused. Written without fsync on purpose: after a power cut the marker can only be older than the
ledger (whose commits are synced first), never newer, so it never refuses a sound ledger.
"""

from __future__ import annotations

import json
import os
import sqlite3
from dataclasses import dataclass
from pathlib import Path

from bot.store import event_log
from bot.store.errors import LedgerRefused


@dataclass(frozen=True, slots=True)
class Head:
    seq: int
    hash: str


def marker_path(ledger_path: str | os.PathLike[str]) -> Path:
    return Path(f"{os.fspath(ledger_path)}.head")


def read_head(ledger_path: str | os.PathLike[str]) -> Head | None:
    """The marker's head, or None without a marker. An unreadable marker is refused, not ignored."""
    path = marker_path(ledger_path)
    try:
        data = json.loads(path.read_text("utf-8"))
        return Head(seq=int(data["seq"]), hash=str(data["hash"]))
    except FileNotFoundError:
        return None
    except (OSError, ValueError, KeyError, TypeError) as e:
        raise LedgerRefused(
            f"{path} (the ledger's head marker) does not read: {e}; if the ledger itself is sound"
            f" (`bot ledger verify`), delete the marker and start again"
        ) from e


def write_head(ledger_path: str | os.PathLike[str], conn: sqlite3.Connection) -> None:
    """Record the ledger's newest committed event as its head (atomically, by rename)."""
    path = marker_path(ledger_path)
    temporary = path.with_name(path.name + ".tmp")
    temporary.write_text(_record(conn), "utf-8")
    temporary.replace(path)


class HeadWriter:
    """Rewrites the marker in place through one open file: a daemon marks its head after every
    cycle, and a rename per cycle costs more than the cycle's own commit. One `pwrite` of under
    a hundred bytes at offset 0 cannot be half-done by a killed process; the record is padded to
    a fixed width so a shorter one never leaves the tail of a longer one behind."""

    def __init__(self, ledger_path: str | os.PathLike[str]) -> None:
        self._fd = os.open(marker_path(ledger_path), os.O_WRONLY | os.O_CREAT, 0o644)

    def write(self, conn: sqlite3.Connection) -> None:
        os.pwrite(self._fd, _record(conn).ljust(_WIDTH).encode("utf-8"), 0)

    def close(self) -> None:
        os.close(self._fd)


_WIDTH = 120  # {"seq": <up to 19 digits>, "hash": "<64 hex>"} fits


def _record(conn: sqlite3.Connection) -> str:
    seq = event_log.last_seq(conn)
    return json.dumps({"seq": seq, "hash": event_log.hash_at(conn, seq)})


def check_head(ledger_path: str | os.PathLike[str], conn: sqlite3.Connection) -> None:
    """Refuse a ledger that is behind its head marker (rolled back)."""
    head = read_head(ledger_path)
    if head is None:
        return
    last = event_log.last_seq(conn)
    stored = event_log.hash_at(conn, head.seq)
    if last < head.seq or stored != head.hash:
        what = (
            f"it ends at event {last} but had reached event {head.seq}"
            if last < head.seq
            else f"its event {head.seq} is not the one it had written"
        )
        raise LedgerRefused(
            f"ledger {os.fspath(ledger_path)} refused: {what} ({marker_path(ledger_path).name}):"
            " it was rolled back (its -wal file lost after a crash, or an older copy restored)."
            " Restore the -wal file or the newest copy; the exchange may hold orders and trades"
            " the older ledger does not know (runbooks/ledger-refused-at-start.md)"
        )
