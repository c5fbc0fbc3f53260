"""The same backtest in two separate processes (each with its own hash seed, ledger id and wall
clock) has one fingerprint, the one pinned in tests/unit/store/test_parity.py; `bot parity` says
so, and names the first divergence of a run with other settings."""

from __future__ import annotations

import json
import os

import pytest

from tests.integration.conftest import bot
from tests.unit.store.test_parity import PINNED

pytestmark = pytest.mark.integration
RUN = ["stage7-run", "--loop", "--max-cycles", "150", "--set", "universe.symbols=BTCTRY,ETHTRY,XRPTRY",
       "--set", "observability.metrics_enabled=false"]  # fmt: skip


def env() -> dict[str, str]:
    return {k: v for k, v in os.environ.items() if not k.startswith("BOT_")}


def test_two_processes_one_fingerprint_and_bot_parity_names_a_divergence(tmp_path):
    ledgers = [tmp_path / name for name in ("a.sqlite", "b.sqlite", "c.sqlite")]
    for ledger, extra in zip(
        ledgers, ([], [], ["--set", "portfolio.mean_reversion_band_ratio=0.005"]), strict=True
    ):
        done = bot([*RUN, "--set", f"store.path={ledger}", *extra], env())
        assert done.returncode == 0, done.stderr[-2000:]
    same = bot(["parity", str(ledgers[0]), str(ledgers[1]), "--json"], env())
    assert same.returncode == 0, same.stdout + same.stderr
    document = json.loads(same.stdout)
    assert document["equal"] is True and document["divergence"] is None
    assert document["a"]["fingerprint"] == document["b"]["fingerprint"] == PINNED["7"]
    assert document["a"]["ledger"] != document["b"]["ledger"]
    differ = bot(["parity", str(ledgers[0]), str(ledgers[2])], env())
    assert differ.returncode == 1
    assert "first divergence at cycle" in differ.stdout and "\n  A: " in differ.stdout
    missing = bot(["parity", str(ledgers[0]), str(tmp_path / "none.sqlite")], env())
    assert missing.returncode == 4 and missing.stderr.startswith("error: no ledger at")
