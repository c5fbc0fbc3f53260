"""Ledger bytes and rows per stage-7 cycle, and the same writes against a raw SQLite baseline.

1. `bot stage7-run --loop --max-cycles N` in a child (shipped defaults, 3 symbols): the file size
   per cycle, events and payload bytes per cycle by event type, and bytes by table (dbstat).
2. The same run in this process with SQLite's statement trace on the ledger's connection
   (`bench_trace`): row writes per cycle by table, units of work, rows changed, COMMITs.
3. A plain sqlite3 loop (`bench_sqlite_baseline`) writing that many rows of that size per cycle.
"""

from __future__ import annotations

import sqlite3
from contextlib import closing
from pathlib import Path
from typing import Any

from bench_common import (
    SectionResult,
    Session,
    Table,
    fmt,
    fsync_ms,
    progress,
    replay_run,
    replay_settings,
)
from bench_cycles import measure
from bench_sqlite_baseline import CycleShape, cycles_per_second
from bench_trace import STRETCH, StatementCounter, traced_run

PROJECTIONS = ("orders", "fills", "balances", "positions", "cycles", "decisions", "state", "foreign_orders")


def ledger_profile(db: Path) -> dict[str, Any]:
    """Sizes, events by type and projection row sizes of a finished run's ledger."""
    sizes = {
        suffix or "db": Path(f"{db}{suffix}").stat().st_size
        for suffix in ("", "-wal")
        if Path(f"{db}{suffix}").exists()
    }
    with closing(sqlite3.connect(f"file:{db}?mode=ro", uri=True)) as conn:
        cycles = conn.execute("SELECT COUNT(*) FROM events WHERE type = 'CycleCompleted'").fetchone()[0]
        by_type = conn.execute(
            "SELECT type, COUNT(*), SUM(LENGTH(payload)) FROM events GROUP BY type ORDER BY 3 DESC"
        ).fetchall()
        row_bytes = {table: _average_row_bytes(conn, table) for table in ("events", *PROJECTIONS)}
        try:
            by_table = conn.execute(
                "SELECT name, SUM(pgsize) FROM dbstat GROUP BY name ORDER BY 2 DESC"
            ).fetchall()
        except sqlite3.OperationalError:  # SQLite built without the dbstat table
            by_table = []
    return {
        "sizes": sizes,
        "cycles": cycles,
        "by_type": by_type,
        "row_bytes": row_bytes,
        "by_table": by_table,
    }


def _average_row_bytes(conn: sqlite3.Connection, table: str) -> float:
    columns = [row[1] for row in conn.execute(f"PRAGMA table_info({table})")]
    if not columns:
        return 0.0
    total = " + ".join(f"COALESCE(LENGTH({c}), 0)" for c in columns)
    value = conn.execute(f"SELECT AVG({total}) FROM {table}").fetchone()[0]
    return float(value or 0.0)


def run(session: Session) -> SectionResult:
    cycles = session.options.storage_cycles
    result = SectionResult(
        name="storage", title="ledger bytes and rows per stage-7 cycle; raw SQLite baseline"
    )
    result.settings = {
        "run": f"bot stage7-run --loop --max-cycles {cycles:,}, shipped defaults, 3 symbols, bundled dataset",
        "baseline": "plain sqlite3, WAL, same rows and sizes per cycle (bench/bench_sqlite_baseline.py)",
    }
    with session.scratch("storage-") as tmp:
        db = Path(tmp) / "ledger.sqlite"
        progress(f"storage: stage 7, {cycles:,} cycles, child process")
        replay_run(session, "7", cycles, replay_settings(db))
        profile = ledger_profile(db)
        progress("storage: the same run in this process with the statement trace on")
        counter = traced_run(replay_settings(Path(tmp) / "traced.sqlite"), cycles)
        shape = _shape(profile, counter, cycles)
        _ledger_tables(result, profile, counter, cycles)
        result.settings["fsync 4 KiB"] = f"{fsync_ms(Path(tmp)):.2f} ms just before the baseline runs"
        _baseline(session, result, shape, Path(tmp))
    return result


def _shape(profile: dict[str, Any], counter: StatementCounter, cycles: int) -> CycleShape:
    events = sum(count for _, count, _ in profile["by_type"])
    payload = sum(size for _, _, size in profile["by_type"])
    projection = {t: n for t, n in counter.writes.items() if t != "events"}
    writes = sum(projection.values())
    weighted = sum(profile["row_bytes"].get(t, 0.0) * n for t, n in projection.items())
    return CycleShape(
        events=events / cycles,
        payload_bytes=payload / events,
        projection_writes=writes / cycles,
        projection_row_bytes=weighted / writes if writes else 0.0,
        units_of_work=counter.units_of_work / cycles,
    )


def _ledger_tables(
    result: SectionResult, profile: dict[str, Any], counter: StatementCounter, cycles: int
) -> None:
    ran = profile["cycles"] or cycles
    file_bytes = sum(profile["sizes"].values())
    events = sum(count for _, count, _ in profile["by_type"])
    payload = sum(size for _, _, size in profile["by_type"])
    rows = [
        (name, f"{count / ran:.2f}", f"{size / ran:,.0f}", f"{size / count:,.0f}")
        for name, count, size in profile["by_type"]
    ]
    rows.append(("all events", f"{events / ran:.2f}", f"{payload / ran:,.0f}", f"{payload / events:,.0f}"))
    result.tables.append(
        Table(
            title="events per cycle by type",
            columns=("event type", "events/cycle", "payload B/cycle", "B/event"),
            rows=rows,
        )
    )
    writes = [
        (t, f"{n / cycles:.2f}", f"{profile['row_bytes'].get(t, 0.0):,.0f}")
        for t, n in counter.writes.most_common()
    ]
    writes.append(("rows changed (sqlite total_changes)", f"{counter.total_changes / cycles:.2f}", ""))
    transactions = sorted(counter.transactions.items())
    writes += [(f"{name} statements", f"{n / cycles:.3f}", "") for name, n in transactions]
    writes.append(("units of work", f"{counter.units_of_work / cycles:.2f}", ""))
    result.tables.append(
        Table(
            title="row writes per cycle (statement trace)",
            columns=("table", "per cycle", "avg row B"),
            rows=writes,
        )
    )
    stretches = [
        (f"{k * STRETCH + 1:,}-{min((k + 1) * STRETCH, cycles):,}", f"{n / STRETCH:.3f}")
        for k, n in sorted(counter.commits_by_stretch.items())
    ]
    result.tables.append(
        Table(title="COMMITs per cycle along the run", columns=("cycles", "COMMITs/cycle"), rows=stretches)
    )
    if profile["by_table"]:
        by_table = [(name, f"{size / ran:,.0f}") for name, size in profile["by_table"][:10]]
        result.tables.append(
            Table(
                title="file bytes per cycle by table/index (dbstat, top 10)",
                columns=("b-tree", "B/cycle"),
                rows=by_table,
            )
        )
    sizes = ", ".join(f"{k} {v / 2**20:.1f} MiB" for k, v in profile["sizes"].items())
    result.notes.append(f"ledger file after {ran:,} cycles: {sizes} -> {file_bytes / ran:,.0f} B/cycle")
    result.figures |= {
        "ledger_bytes_per_cycle": file_bytes / ran,
        "events_per_cycle": events / ran,
        "payload_bytes_per_cycle": payload / ran,
        "row_writes_per_cycle": dict(counter.writes),
        "units_of_work_per_cycle": counter.units_of_work / cycles,
    }
    result.summary += [
        ("ledger B/cycle (file) / payload B/cycle", f"{file_bytes / ran:,.0f} / {payload / ran:,.0f}"),
        (
            "events/cycle, projection row writes/cycle",
            f"{events / ran:.1f}, {sum(n for t, n in counter.writes.items() if t != 'events') / cycles:.1f}",
        ),
    ]


def _baseline(session: Session, result: SectionResult, shape: CycleShape, folder: Path) -> None:
    seconds = session.options.baseline_seconds
    commits = (
        ("batch200", "1 commit / 200 cycles (as a backtest)"),
        ("cycle", "1 commit / cycle"),
        ("unit", f"{shape.units_of_work:.1f} commits / cycle (as against an exchange)"),
    )
    rows = []
    for synchronous in ("FULL", "NORMAL"):
        bot = _bot_rate(session, synchronous, folder)
        for commit, meaning in commits:
            progress(f"storage: raw sqlite3 {synchronous}, {meaning}")
            raw = cycles_per_second(folder, shape, synchronous=synchronous, commit=commit, seconds=seconds)
            compared = commit != "unit"  # the replay never commits per unit of work
            share = f"{bot / raw:.1%}" if compared and raw else "-"
            rows.append(
                (synchronous, meaning, fmt(raw), f"{1000 / raw:.2f}", fmt(bot) if compared else "-", share)
            )
            result.figures[f"raw_{synchronous.lower()}_{commit}_cycles_per_s"] = raw
            if compared:
                label = {"batch200": "batch-200", "cycle": "1 commit/cycle"}[commit]
                figure = f"raw SQLite {synchronous} {label} cycles/s (bot share)"
                value = f"{fmt(raw)} ({share})"
            else:
                figure, value = f"raw SQLite {synchronous} commit per unit of work, cycles/s", fmt(raw)
            result.summary.append((figure, value))
    events = f"{shape.events:.1f} events of {shape.payload_bytes:.0f} B"
    upserts = f"{shape.projection_writes:.1f} upserts of {shape.projection_row_bytes:.0f} B"
    title = f"raw SQLite: {events} + {upserts} per cycle, {seconds:g} s each"
    columns = ("synchronous", "commits", "raw cycles/s", "raw ms/cycle", "bot stage 7 steady", "bot / raw")
    result.tables.append(Table(title=title, columns=columns, rows=rows))
    result.notes.append(
        "bot / raw: the stage-7 replay's steady rate as a share of what SQLite alone sustains writing the"
        " same rows; the replay commits every 200 cycles, so the batch-200 row is its storage limit. A"
        " cycle against an exchange commits every unit of work: the last row per mode is its floor."
    )


def _bot_rate(session: Session, synchronous: str, folder: Path) -> float:
    """Stage 7's steady replay rate: the cycles section's, or measured here if it did not run."""
    key = f"stage7.{synchronous}.steady"
    if key not in session.figures:
        settings = replay_settings(folder / "unused.sqlite")
        session.figures[key] = (
            measure(session, "7", synchronous, session.options.cycles, 1, settings).steady or 0.0
        )
    return session.figures[key]
