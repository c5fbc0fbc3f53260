"""The daemon against the simulator's fault profiles (configs/faults), over real HTTP on loopback."""

from __future__ import annotations

import json
import re
import sqlite3
import tomllib
from collections import Counter
from decimal import Decimal
from pathlib import Path

import pytest

from tests.integration.conftest import REPO, bot, bot_env

pytestmark = pytest.mark.integration
PROFILES = REPO / "configs" / "faults"


def profile(name: str) -> dict:
    return tomllib.loads((PROFILES / f"{name}.toml").read_text(), parse_float=Decimal)


def rows(db: Path, sql: str) -> list[tuple]:
    with sqlite3.connect(f"file:{db}?mode=ro", uri=True) as conn:
        return conn.execute(sql).fetchall()


def jsonable(knobs: dict) -> dict:
    return {k: (str(v) if isinstance(v, Decimal) else v) for k, v in knobs.items()}


def settle_and_compare(simulator, env, db) -> None:
    simulator.set_faults(reset=True)
    simulator.freeze()
    assert bot(["run", "--once"], env).returncode == 0
    account = simulator.account()
    exchange = {a: Decimal(b["total"]) for a, b in account["balances"].items() if Decimal(b["total"])}
    ledger = {a: Decimal(t) for a, t in rows(db, "SELECT asset, total FROM balances") if Decimal(t)}
    assert ledger == exchange
    assert bot(["ledger", "verify"], env).returncode == 0


def test_retry_storm_keeps_running_within_the_rate_limits_and_the_ledger_still_matches(simulator, tmp_path):
    simulator.set_faults(**jsonable(profile("retry-storm")))
    db = tmp_path / "bot.sqlite"
    env = bot_env(
        simulator.url, db, BOT_EXCHANGE__RETRY_BASE_DELAY_S="0.01", BOT_EXCHANGE__RETRY_MAX_DELAY_S="0.2"
    )
    # Nearly every cycle meets a 429 with Retry-After: 1 s; 20 cycles take about 45 s here.
    result = bot(["run", "--loop", "--max-cycles", "20", "--cycle-seconds", "0.05"], env, timeout=240)
    assert result.returncode == 0, result.stderr[-2000:]
    assert "20 cycles" in result.stdout
    report = simulator.fault_report()
    assert report["counters"]["injected_429"] > 0 and report["counters"]["injected_5xx"] > 0
    assert report["counters"]["rate_limited_429"] == 0, (
        "the client's limiter kept every group under its limit"
    )
    for group, windows in report["rate_limits"].items():
        for period, window in windows.items():
            assert window["over_limit"] == 0, (group, period, window)
    assert rows(db, "SELECT COUNT(*) FROM fills")[0][0] > 0
    settle_and_compare(simulator, env, db)


def test_flaky_submit_never_duplicates_and_resolves_every_uncertain_submit_by_lookup(simulator, tmp_path):
    knobs = profile("flaky-submit") | {"submit_response_delay_s": "1.5", "never_visible_ratio": "0"}
    simulator.set_faults(**jsonable(knobs))
    db = tmp_path / "bot.sqlite"
    env = bot_env(simulator.url, db, BOT_EXCHANGE__TIMEOUT_S="1")
    result = bot(["run", "--loop", "--max-cycles", "30", "--cycle-seconds", "0.05"], env)
    assert result.returncode == 0, result.stderr[-2000:]
    report = simulator.fault_report()
    assert report["counters"]["dropped_submits"] > 0
    decided_uncertain = rows(db, "SELECT COUNT(*) FROM events WHERE type = 'OrderSubmitUncertain'")[0][0]
    assert decided_uncertain >= report["counters"]["dropped_submits"] > 0
    # One more cycle with the faults lifted: a submit left uncertain by the run's last cycles (how
    # many depends on how fast this machine ran them) is settled by lookup, never sent again.
    settle_and_compare(simulator, env, db)
    assert rows(db, "SELECT COUNT(*) FROM orders WHERE status = 'uncertain' OR status = 'unknown'") == [(0,)]
    client_ids = Counter(o["client_order_id"] for o in simulator.account()["orders"])
    assert client_ids and max(client_ids.values()) == 1, "no client order id reached the exchange twice"


def test_stale_feed_places_no_order_on_stale_data(simulator, tmp_path):
    db = tmp_path / "bot.sqlite"
    env = bot_env(
        simulator.url, db, BOT_MARKET_DATA__MAX_AGE_MS="400", BOT_MARKET_DATA__FALLBACK_AGE_MS="200"
    )
    simulator.set_faults(frozen_feed=True)
    frozen_at = int(simulator.state()["market_ms"])
    result = bot(["run", "--loop", "--max-cycles", "20", "--cycle-seconds", "0.1"], env)
    assert result.returncode == 0, result.stderr[-2000:]
    verdicts = rows(db, "SELECT verdict, reason_code, kind FROM decisions WHERE kind = 'submit'")
    assert verdicts, "the strategy proposed nothing to refuse"
    late = rows(db, "SELECT MIN(started_ms) FROM cycles WHERE cycle_id > 10")[0][0]
    stale_submits = rows(db, f"SELECT COUNT(*) FROM orders WHERE created_ms >= {late}")[0][0]
    assert stale_submits == 0
    reasons = {
        r for _, r, _ in rows(db, f"SELECT verdict, reason_code, kind FROM decisions WHERE ts_ms >= {late}")
    }
    assert reasons == {"market_data_stale"}
    assert frozen_at > 0


def test_a_skewed_exchange_clock_is_measured_and_applied_to_stamps_and_data_ages(simulator, tmp_path):
    # The exchange runs 90 s behind us. Uncorrected, every stamp would be refused (401) and every
    # quote would look 90 s old against a 30 s limit; corrected, the daemon trades normally.
    simulator.set_faults(clock_skew_ms=-90_000)
    db = tmp_path / "bot.sqlite"
    env = bot_env(simulator.url, db, BOT_MARKET_DATA__MAX_AGE_MS="30000")
    result = bot(["run", "--loop", "--max-cycles", "15", "--cycle-seconds", "0.05"], env)
    assert result.returncode == 0, result.stderr[-2000:]
    measured = [int(m) for m in re.findall(r'"clock_offset_ms": (-?\d+)', result.stderr)]
    assert measured and all(abs(offset + 90_000) < 1_000 for offset in measured), measured
    assert "beyond the threshold" in result.stderr
    reasons = {r for (r,) in rows(db, "SELECT DISTINCT reason_code FROM decisions")}
    assert "market_data_stale" not in reasons
    assert rows(db, "SELECT COUNT(*) FROM orders")[0][0] > 0
    assert simulator.account()["orders"], "signed requests were accepted"


def test_stage4_obeys_the_anomaly_degrade_level_when_the_exchange_clock_drifts(simulator, tmp_path):
    # Stamps and data ages are corrected, but a clock 90 s off is itself an anomaly: stage 4 has
    # no risk budget, yet it must stop placing orders and say why, as stage 7 would.
    simulator.set_faults(clock_skew_ms=-90_000)
    db = tmp_path / "bot.sqlite"
    env = bot_env(simulator.url, db, BOT_UNIVERSE__SYMBOLS='["BTCTRY", "ETHTRY"]')
    result = bot(["stage4-run", "--loop", "--max-cycles", "12", "--cycle-seconds", "0.05"], env)
    assert result.returncode == 0, result.stderr[-2000:]
    changes = [
        json.loads(p) for (p,) in rows(db, "SELECT payload FROM events WHERE type = 'RiskModeChanged'")
    ]
    assert changes and {c["source"] for c in changes} == {"anomaly"}, "stage 4 obeys the anomaly level only"
    assert changes[0]["to_mode"] == "observe"
    assert any(cause.startswith("clock_skew_ms=") for cause in changes[0]["causes"])
    assert '"event": "risk mode changed"' in result.stderr
    submits = {r for (r,) in rows(db, "SELECT DISTINCT reason_code FROM decisions WHERE kind = 'submit'")}
    assert submits <= {"observe_only"}
    assert simulator.account()["orders"] == []
