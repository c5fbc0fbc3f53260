"""The ledger-damage matrix: every writing command refuses a ledger it cannot trust.

One healthy paper ledger is built once; each case damages a copy the way an operator or a disk
would (sqlite3 edits, flipped bytes, truncation, a lost -wal, a read-only or full filesystem),
runs a writing command, and checks: exit 4, one `error:` line naming the problem and how to
inspect it, no traceback, and the file exactly as it was.
"""

from __future__ import annotations

import os
import shutil
import signal
import sqlite3
import subprocess
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from bot.testing.cycles import cycle_settings, run_on
from tests.integration.conftest import REPO, bot

pytestmark = pytest.mark.integration
MOUNT = shutil.which("mount")


def paper_env(db: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("BOT_")}
    env.update(
        BOT_STORE__PATH=str(db),
        BOT_STORE__SYNCHRONOUS="NORMAL",
        BOT_OBSERVABILITY__METRICS_ENABLED="false",
        BOT_MARKET_DATA__DATASET=str(REPO / "replays" / "synthetic"),
    )
    return env


@pytest.fixture(scope="module")
def healthy(tmp_path_factory: pytest.TempPathFactory) -> Path:
    db = tmp_path_factory.mktemp("healthy") / "ledger.sqlite"
    assert len(run_on(db, cycle_settings(paper_env(db)), 40)) == 40  # `bot run`, in process
    with sqlite3.connect(db) as conn:
        statuses = {row[0] for row in conn.execute("SELECT status FROM orders")}
    assert statuses & {"filled", "canceled"}, statuses  # the cases below edit a settled order
    return db


@pytest.fixture
def ledger(healthy: Path, tmp_path: Path) -> Path:
    db = tmp_path / "ledger.sqlite"
    shutil.copyfile(healthy, db)
    shutil.copyfile(f"{healthy}.head", f"{db}.head")
    return db


def sql(db: Path, *statements: str) -> None:
    conn = sqlite3.connect(db)
    try:
        for statement in statements:
            conn.execute(statement)
        conn.commit()
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    finally:
        conn.close()


def flip_bytes(db: Path, *, at: int, count: int = 64) -> None:
    data = bytearray(db.read_bytes())
    for i in range(at, at + count):
        data[i] ^= 0xFF
    db.write_bytes(bytes(data))


def assert_refused(result: subprocess.CompletedProcess[str], *fragments: str) -> None:
    assert result.returncode == 4, (result.returncode, result.stdout, result.stderr[-2000:])
    errors = [line for line in result.stderr.splitlines() if line.startswith("error:")]
    assert len(errors) == 1, result.stderr[-2000:]
    assert "Traceback" not in result.stderr
    for fragment in fragments:
        assert fragment in errors[0], errors[0]


SETTLED = "(SELECT client_order_id FROM orders WHERE status IN ('filled', 'canceled') LIMIT 1)"
LAST_CYCLE_EVENT = "(SELECT MAX(seq) FROM events WHERE type = 'CycleCompleted')"

# (name, damage, command, fragments of the one error line)
CASES: list[tuple[str, Callable[[Path], None], list[str], tuple[str, ...]]] = [
    (
        "settled order edited back to open",
        lambda db: sql(db, f"UPDATE orders SET status = 'open' WHERE client_order_id = {SETTLED}"),
        ["run", "--once"],
        ("refused: orders[client_order_id=", "bot ledger verify --db"),
    ),
    (
        "balance edited",
        lambda db: sql(db, "UPDATE balances SET total = '999999999' WHERE asset = 'TRY'"),
        ["stage7-run", "--once"],
        ("refused: balances[asset=TRY].total",),
    ),
    (
        "event payload edited",
        lambda db: sql(
            db,
            "DROP TRIGGER events_no_update",
            'UPDATE events SET payload = replace(payload, \'"status":"ok"\', \'"status":"failed"\')'
            f" WHERE seq = {LAST_CYCLE_EVENT}",
        ),
        ["kill-switch", "on", "--reason", "test"],
        ("the event was altered",),
    ),
    (
        "events deleted",
        lambda db: sql(db, "DROP TRIGGER events_no_delete", "DELETE FROM events WHERE seq BETWEEN 20 AND 30"),
        ["orders", "settle-not-placed", "b3-x-1-0", "--reason", "test"],
        ("events were deleted",),
    ),
    (
        "kill switch state deleted",
        lambda db: sql(db, "DELETE FROM state WHERE key = 'lock.fencing_token'"),
        ["kill-switch", "off", "--reason", "test"],
        ("refused: state[key=lock.fencing_token]",),
    ),
    (
        "truncated to zero bytes",
        lambda db: db.write_bytes(b""),
        ["run", "--once"],
        ("the file is empty", "bot ledger init"),
    ),
    (
        "not a SQLite file",
        lambda db: db.write_bytes(b"this is a spreadsheet, not a ledger\n" * 100),
        ["stage4-run", "--once"],
        ("not a bot ledger",),
    ),
    (
        "file deleted, head marker left",
        lambda db: db.unlink(),
        ["run", "--once"],
        ("was deleted or moved", "bot ledger init"),
    ),
]


@pytest.mark.parametrize(
    ("damage", "command", "fragments"), [c[1:] for c in CASES], ids=[c[0] for c in CASES]
)
def test_a_damaged_ledger_is_refused_by_every_writing_command(
    ledger: Path, damage: Callable[[Path], None], command: list[str], fragments: tuple[str, ...]
) -> None:
    damage(ledger)
    before = ledger.read_bytes() if ledger.exists() else None
    result = bot(command, paper_env(ledger))
    assert_refused(result, *fragments)
    assert (ledger.read_bytes() if ledger.exists() else None) == before


def test_flipped_bytes_mid_file_are_refused_and_verify_says_so_without_a_traceback(ledger: Path) -> None:
    size = ledger.stat().st_size
    flip_bytes(ledger, at=size // 2)
    before = ledger.read_bytes()
    assert_refused(bot(["run", "--once"], paper_env(ledger)), "refused")
    assert ledger.read_bytes() == before
    verified = bot(["ledger", "verify", "--db", str(ledger)], {})
    assert verified.returncode in (1, 4), verified.stderr
    assert "Traceback" not in verified.stderr
    assert "FAILED" in verified.stderr or "error:" in verified.stderr


def test_verify_on_an_empty_file_does_not_advise_a_migration(ledger: Path) -> None:
    ledger.write_bytes(b"")
    verified = bot(["ledger", "verify", "--db", str(ledger)], {})
    assert verified.returncode == 4
    assert "migrate" not in verified.stderr and "empty" in verified.stderr


def test_a_ledger_that_lost_its_wal_after_a_kill_is_refused_as_rolled_back(ledger: Path) -> None:
    env = paper_env(ledger) | {"TEST_BOT_CRASH_AT": "after_write_ahead:2"}
    killed = bot(["run", "--loop", "--max-cycles", "400"], env)
    assert killed.returncode == -signal.SIGKILL, killed.stderr[-2000:]
    Path(f"{ledger}-wal").unlink()  # the crash's commits lived only there
    Path(f"{ledger}-shm").unlink(missing_ok=True)
    before = ledger.read_bytes()
    assert_refused(bot(["run", "--once"], paper_env(ledger)), "rolled back", "-wal")
    assert ledger.read_bytes() == before


def test_ledger_init_starts_fresh_only_on_purpose(ledger: Path) -> None:
    refused = bot(["ledger", "init", "--db", str(ledger)], {})
    assert refused.returncode == 2 and "refusing to overwrite" in refused.stderr
    ledger.unlink()
    created = bot(["ledger", "init", "--db", str(ledger)], {})
    assert created.returncode == 0, created.stderr
    assert "removed ledger.sqlite.head" in created.stdout and "created ledger" in created.stdout
    ran = bot(["run", "--once"], paper_env(ledger))
    assert ran.returncode == 0, ran.stderr[-2000:]
    assert "1 cycles (1 ok)" in ran.stdout  # the run's one-line summary


@contextmanager
def mounted_tmpfs(where: Path, *options: str) -> Iterator[Path]:
    where.mkdir()
    if MOUNT is None or os.geteuid() != 0:
        pytest.skip("needs root and mount(8) to make a small or read-only filesystem")
    done = subprocess.run([MOUNT, "-t", "tmpfs", "-o", ",".join(options), "tmpfs", str(where)], check=False)
    if done.returncode != 0:
        pytest.skip("this machine does not allow mounting a tmpfs")
    try:
        yield where
    finally:
        subprocess.run(["umount", "-l", str(where)], check=False)


def test_a_read_only_filesystem_is_named_as_such(ledger: Path, tmp_path: Path) -> None:
    with mounted_tmpfs(tmp_path / "ro", "size=4m") as mount:
        db = mount / "ledger.sqlite"
        shutil.copyfile(ledger, db)
        subprocess.run(["mount", "-o", "remount,ro", str(mount)], check=True)
        result = bot(["run", "--once"], paper_env(db))
        assert_refused(result, "read-only")


def test_a_full_disk_stops_the_daemon_with_one_line_and_a_ledger_that_verifies(
    ledger: Path, tmp_path: Path
) -> None:
    with mounted_tmpfs(tmp_path / "small", f"size={ledger.stat().st_size + 96 * 1024}") as mount:
        db = mount / "ledger.sqlite"
        shutil.copyfile(ledger, db)
        shutil.copyfile(f"{ledger}.head", f"{db}.head")
        result = bot(["run", "--loop", "--max-cycles", "5000"], paper_env(db), timeout=60)
        assert_refused(result, "full")
        # What was committed before the disk filled is whole: the ledger still verifies.
        verified = subprocess.run(
            [sys.executable, "-m", "bot", "ledger", "verify", "--db", str(db)],
            capture_output=True,
            text=True,
            check=False,
        )
        assert verified.returncode == 0, verified.stdout + verified.stderr
