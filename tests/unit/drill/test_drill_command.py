"""`bot drill run all` in the test command: every drill green, each fingerprint pinned.

A change that alters what the daemon decides or trades under a drill's faults changes that
drill's fingerprint: update FINGERPRINTS on purpose, after reading the drill's table
(`bot drill run NAME --out DIR` keeps the ledgers for `bot parity` and `bot ledger show`).
"""

from __future__ import annotations

import json

from click.testing import CliRunner

from bot.cli.main import cli

FINGERPRINTS = {
    "stale-data": "05f00c74cdbf",
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
