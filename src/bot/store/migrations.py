"""Numbered SQL migrations (`migrations/NNNN_name.sql`), recorded in `PRAGMA user_version`."""

from __future__ import annotations

import re
import sqlite3
from dataclasses import dataclass
from importlib import resources

from bot.store.errors import StoreError

_NAME = re.compile(r"^(\d{4})_[a-z0-9_]+\.sql$")


@dataclass(frozen=True, slots=True, kw_only=True)
class Migration:
    version: int
    name: str
    sql: str


def load_migrations() -> tuple[Migration, ...]:
    """All packaged migrations in order. Raises StoreError if the numbering has a gap or a repeat."""
    folder = resources.files("bot.store").joinpath("migrations")
    found: list[Migration] = []
    for entry in folder.iterdir():
        match = _NAME.match(entry.name)
        if match:
            found.append(Migration(version=int(match[1]), name=entry.name, sql=entry.read_text("utf-8")))
    found.sort(key=lambda migration: migration.version)
    for expected, migration in enumerate(found, start=1):
        if migration.version != expected:
            raise StoreError(f"migration {migration.name}: expected number {expected:04d} (gap or repeat)")
    return tuple(found)


def latest_version() -> int:
    """The highest schema version this code knows."""
    return len(load_migrations())


def schema_version(conn: sqlite3.Connection) -> int:
    row = conn.execute("PRAGMA user_version").fetchone()
    return int(row[0])


def split_statements(sql: str) -> list[str]:
    """Split a script into complete statements (trigger bodies with inner `;` stay whole)."""
    statements: list[str] = []
    buffer = ""
    for line in sql.splitlines(keepends=True):
        buffer += line
        if sqlite3.complete_statement(buffer):
            statement = buffer.strip()
            if statement.strip(";").strip():
                statements.append(statement)
            buffer = ""
    if buffer.strip() and not all(part.lstrip().startswith("--") for part in buffer.strip().splitlines()):
        raise StoreError(f"incomplete SQL statement at the end of a migration: {buffer.strip()[:80]!r}")
    return statements


def migrate(conn: sqlite3.Connection) -> int:
    """Apply every pending migration, each in its own IMMEDIATE transaction. Returns the new version.

    The version is re-read under the write lock, so two processes opening a fresh file at once
    cannot apply the same migration twice.
    """
    for migration in load_migrations():
        conn.execute("BEGIN IMMEDIATE")
        try:
            if schema_version(conn) >= migration.version:
                conn.execute("ROLLBACK")
                continue
            for statement in split_statements(migration.sql):
                conn.execute(statement)
            conn.execute(f"PRAGMA user_version = {migration.version:d}")
            conn.execute("COMMIT")
        except sqlite3.Error as e:
            conn.execute("ROLLBACK")
            raise StoreError(f"migration {migration.name} failed: {e}") from e
    return schema_version(conn)
