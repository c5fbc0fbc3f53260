"""`bot drill run all` in the test command: every drill green, each fingerprint pinned.

A change that alters what the daemon decides or trades under a drill's faults changes that
drill's fingerprint: update FINGERPRINTS on purpose, after reading the drill's table
(`bot drill run NAME --out DIR` keeps the ledgers for `bot parity` and `bot ledger show`).
"""

from __future__ import annotations

import json
import logging
from pathlib import Path

import pytest
from click.testing import CliRunner

from bot.cli.main import cli

FINGERPRINTS = {
    "stale-data": "d60b3c12c6b9",
    "retry-storm": "3cd80d5bdd39",
    "reconcile-lag": "e367826e12cf",
    "flaky-submit": "f79d77d73eff",
    "crash": "9d0514892b13",
    "sell-off": "ef9794931b7b",
}


def test_every_drill_passes_with_its_pinned_fingerprint() -> None:
    result = CliRunner().invoke(cli, ["drill", "run", "all", "--json"])
    assert result.exit_code == 0, result.output
    document = json.loads(result.stdout)
    failed = {d["drill"]: [c for c in d["checks"] if not c["ok"]] for d in document["drills"] if not d["ok"]}
    assert document["ok"] and not failed, failed
    assert {d["drill"]: d["fingerprint"][:12] for d in document["drills"]} == FINGERPRINTS


def test_the_list_names_every_drill_and_what_it_proves() -> None:
    result = CliRunner().invoke(cli, ["drill", "list", "--json"])
    assert result.exit_code == 0
    listed = json.loads(result.stdout)
    assert [d["drill"] for d in listed] == list(FINGERPRINTS)
    assert all(d["proves"] for d in listed)


def test_an_unknown_drill_is_one_line_and_exit_2() -> None:
    result = CliRunner().invoke(cli, ["drill", "run", "stale", "--json"])
    assert result.exit_code == 2
    assert result.stderr.strip().splitlines() == [
        "error: unknown drill stale: choose from stale-data, retry-storm, reconcile-lag, flaky-submit, "
        "crash, sell-off or all"
    ]


@pytest.mark.parametrize(
    ("args", "says"),
    [
        (["--set", "store.path=/tmp/production.sqlite"], "--set store.path: a drill wires its own"),
        (["--set", "market_data.feed=websocket"], "--set market_data.feed: a drill wires its own"),
    ],
)
def test_settings_a_drill_wires_itself_are_refused(args: list[str], says: str) -> None:
    result = CliRunner().invoke(cli, ["drill", "run", "crash", *args])
    assert result.exit_code == 2
    assert result.stderr.strip().splitlines()[-1].startswith(f"error: {says}")


def test_an_armed_kill_variable_is_refused_before_anything_runs(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TEST_BOT_CRASH_AT", "after_write_ahead")
    result = CliRunner().invoke(cli, ["drill", "run", "crash"])
    assert result.exit_code == 2
    assert "TEST_BOT_CRASH_AT is set" in result.stderr


def test_an_out_folder_that_cannot_be_made_is_one_line(tmp_path: Path) -> None:
    blocker = tmp_path / "afile"
    blocker.write_text("")
    result = CliRunner().invoke(cli, ["drill", "run", "crash", "--out", str(blocker / "sub")])
    assert result.exit_code == 2
    assert (
        result.stderr.strip().splitlines()[-1].startswith(f"error: --out {blocker / 'sub'}: cannot create it")
    )


def test_a_taken_out_folder_is_refused_before_any_drill_runs(tmp_path: Path) -> None:
    (tmp_path / "sell-off").mkdir()
    result = CliRunner().invoke(cli, ["drill", "run", "stale-data", "sell-off", "--out", str(tmp_path)])
    assert result.exit_code == 2
    assert "running" not in result.stderr
    assert not (tmp_path / "stale-data").exists()


def test_the_drills_leave_the_process_logging_as_they_found_it() -> None:
    root = logging.getLogger()
    level, handlers = root.level, list(root.handlers)
    CliRunner().invoke(cli, ["drill", "run", "retry-storm"])
    assert (root.level, root.handlers) == (level, handlers)
