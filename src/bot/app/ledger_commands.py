"""The ledger's own commands: `bot ledger verify | show | init`, the operator's views of it, and
`bot parity`. Read-only but for `init`; none of them builds the runtime (a paper replay's
imports stay out: tests/integration/test_lazy_imports.py).
"""

from __future__ import annotations

import sqlite3
import sys
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from decimal import Decimal
from pathlib import Path

from bot.accounting import track_equity
from bot.app.errors import CommandError
from bot.app.ledger_access import open_checked
from bot.cycle.clocks import SystemClock
from bot.domain.money import canonical
from bot.store import Database, ledger_summary, render_summary, verify_ledger
from bot.store.errors import LedgerRefused
from bot.store.head import marker_path


def ledger_verify(path: Path) -> tuple[bool, str]:
    """The hash chain, the projections and the accounting of every portfolio cycle, in one pass
    over the log. While it runs, if stderr is a terminal, a progress line there that ends as a
    summary (events, seconds, events per second); the result itself is returned as text."""
    document = ledger_verify_document(path)
    return bool(document["ok"]), verify_text(document)


def ledger_verify_document(path: Path) -> dict[str, object]:
    """`bot ledger verify --json`: {"ok", "ledger", "events", "problems", "accounting"}; accounting
    is null for a ledger no portfolio stage ran on. Money is exact (strings)."""
    import time

    from bot.cycle.portfolio.verify import AccountingVerifier

    terminal = sys.stderr.isatty()
    started = time.perf_counter()
    checked = total = 0

    def progress(done: int, events: int) -> None:
        nonlocal checked, total
        checked, total = done, events
        share = f" ({done / events:.0%})" if events else ""
        sys.stderr.write(f"\r\x1b[Kverifying {path.name}: {done:,} of {events:,} events{share}")
        sys.stderr.flush()

    accounting = AccountingVerifier()
    document: dict[str, object] = {
        "ledger": str(path),
        "ok": False,
        "events": 0,
        "problems": [],
        "accounting": None,
    }
    with Database.open_readonly(path) as db:
        try:
            report = verify_ledger(db, observers=[accounting], progress=progress if terminal else None)
        except sqlite3.DatabaseError as e:
            document["problems"] = [
                f"{path} is damaged ({e}); restore it from a backup (runbooks/ledger-refused-at-start.md)"
            ]
            document["damaged"] = True
            return document
        finally:
            if terminal:  # the progress line becomes the summary, whatever the outcome
                elapsed = time.perf_counter() - started
                rate = f", {checked / elapsed:,.0f} events/s" if elapsed > 0 else ""
                sys.stderr.write(
                    f"\r\x1b[Kverified {checked:,} of {total:,} events of {path.name}"
                    f" in {elapsed:.1f} s{rate}\n"
                )
    check = accounting.check
    problems = [*report.problems, *check.problems]
    document.update(ok=not problems, events=report.events_checked, problems=problems)
    last, state = check.last, check.last_state
    if last is not None and state is not None:
        _, reading = track_equity(
            state, last.equity, last.now_ms, day_boundary_offset_ms=last.day_boundary_offset_ms
        )
        document["accounting"] = {
            "portfolio_cycles": check.cycles,
            "quote_asset": last.quote_asset,
            "equity": canonical(last.equity),
            "peak_equity": canonical(state.peak_equity),
            "drawdown_ratio": canonical(reading.drawdown_ratio),
            "daily_pnl": canonical(reading.daily_pnl),
            "realized_pnl": canonical(last.realized_pnl),
        }
    return document


def verify_text(document: Mapping[str, object]) -> str:
    """What `bot ledger verify` prints: money shown to 0.01 of the quote asset (the JSON is exact)."""
    problems = document["problems"]
    assert isinstance(problems, list)
    if document.get("damaged"):
        return f"ledger verification FAILED: {problems[0]}"
    if problems:
        return "ledger verification FAILED:\n" + "\n".join(f"  - {p}" for p in problems)
    lines = [f"ledger OK: {document['events']} events, hash chain intact, projections match"]
    accounting = document["accounting"]
    if isinstance(accounting, dict):
        money = {
            k: Decimal(str(accounting[k])) for k in ("equity", "peak_equity", "daily_pnl", "realized_pnl")
        }
        lines.append(
            f"accounting OK: {accounting['portfolio_cycles']} portfolio cycles revalued from the fills and"
            f" their marks; last equity {money['equity']:.2f} {accounting['quote_asset']}, peak"
            f" {money['peak_equity']:.2f}, drawdown {Decimal(str(accounting['drawdown_ratio'])):.4%},"
            f" daily PnL {money['daily_pnl']:.2f}, realised PnL {money['realized_pnl']:.2f}"
        )
    return "\n".join(lines)


def ledger_init(path: Path) -> str:
    """Create a new ledger at `path`; never over an existing file (CommandError, exit 2)."""
    if path.exists() or path.is_symlink():
        raise CommandError(
            f"{path} exists; refusing to overwrite it. To start a new ledger on purpose, move it"
            " (and its -wal and -shm files) away first"
        )
    lines = []
    marker = marker_path(path)
    if marker.exists():
        marker.unlink()
        lines.append(f"removed {marker.name}, the head marker of the ledger that was here")
    path.parent.mkdir(parents=True, exist_ok=True)
    with open_checked(path, synchronous="FULL", clock=SystemClock()) as db:
        lines.append(f"created ledger {db.path} (schema version {db.schema_version})")
    return "\n".join(lines)


def ledger_show(path: Path) -> str:
    from bot.app.ledger_keys import LEDGER_ID_KEY
    from bot.app.portfolio_summary import portfolio_lines

    with Database.open_readonly(path) as db, damage_refused(path):
        text = render_summary(ledger_summary(db)).rstrip("\n")
        ledger_id = db.state.get(LEDGER_ID_KEY)
        return "\n".join([text, f"Ledger id: {ledger_id or '(none yet)'}", "", *portfolio_lines(db)])


def ledger_show_document(path: Path) -> dict[str, object]:
    """`bot ledger show --json`: the overview, with the portfolio's last valuation and the kill switch."""
    from bot.app.ledger_keys import LEDGER_ID_KEY
    from bot.app.portfolio_summary import portfolio_document
    from bot.store.summary import summary_document

    with Database.open_readonly(path) as db, damage_refused(path):
        ledger_id = db.state.get(LEDGER_ID_KEY)
        return {**summary_document(ledger_summary(db)), "ledger_id": ledger_id, **portfolio_document(db)}


def ledger_view(path: Path, view: str, limit: int) -> list[dict[str, object]]:
    """One operator view of the ledger (`bot.store.views`): fills, decisions, modes or unknown."""
    from bot.store.views import VIEW_FUNCTIONS

    with Database.open_readonly(path) as db, damage_refused(path), db.read():
        return VIEW_FUNCTIONS[view](db, limit)


@contextmanager
def damage_refused(path: Path) -> Iterator[None]:
    """A read that meets a damaged page: one line and exit 4, never a traceback."""
    try:
        yield
    except sqlite3.DatabaseError as error:
        raise LedgerRefused(
            f"{path} is damaged ({error}); run `bot ledger verify --db {path}` and see"
            " runbooks/ledger-refused-at-start.md"
        ) from error


def parity_document(ledger_a: Path, ledger_b: Path) -> dict[str, object]:
    """`bot parity A B`: each ledger's fingerprint and, when they differ, the first divergence."""
    from bot.store.parity import Fingerprint, compare, fingerprint

    def read(path: Path) -> Fingerprint:
        with Database.open_readonly(path) as db:
            return fingerprint(db)

    def side(path: Path, print_: Fingerprint) -> dict[str, object]:
        return {
            "ledger": str(path),
            "fingerprint": print_.digest,
            "cycles": len(print_.cycles),
            "records": print_.counts,
        }

    a, b = read(ledger_a), read(ledger_b)
    divergence = compare(a, b)
    return {
        "schema": "bot-parity/1",
        "equal": divergence is None,
        "a": side(ledger_a, a),
        "b": side(ledger_b, b),
        "divergence": None
        if divergence is None
        else {
            "cycle_id": divergence.cycle_id,
            "index": divergence.index,
            "a": divergence.left,
            "b": divergence.right,
        },
        "detail": None if divergence is None else divergence.describe(),
    }
