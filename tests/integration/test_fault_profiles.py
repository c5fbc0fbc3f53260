"""The daemon's cycles against the simulator's fault profiles (configs/faults), over real HTTP on
loopback: in process, through the real composition (`bot.testing.cycles`), bounded by cycle
counts. The market moves a step per cycle (`paced_simulator`) or on a clock the test moves; no
test here waits on the wall clock for something to happen.
"""

from __future__ import annotations

import json
import logging
import tomllib
from collections import Counter
from decimal import Decimal
from pathlib import Path

import pytest

from bot.app.doctor import run_doctor
from bot.app.ledger_commands import ledger_verify
from bot.config import Settings
from bot.store import Database
from bot.testing.cycles import cycle_settings, run_on
from tests.integration.conftest import REPO, SimHandle, assert_slo_verdicts, bot_env

pytestmark = pytest.mark.integration
PROFILES = REPO / "configs" / "faults"


def profile(name: str) -> dict:
    return tomllib.loads((PROFILES / f"{name}.toml").read_text(), parse_float=Decimal)


def rows(db: Path, sql: str) -> list[tuple]:
    with Database.open_readonly(db) as ledger:
        return ledger.connection.execute(sql).fetchall()


def events(db: Path, kind: str) -> list[dict]:
    return [
        json.loads(p) for (p,) in rows(db, f"SELECT payload FROM events WHERE type = '{kind}' ORDER BY seq")
    ]


def jsonable(knobs: dict) -> dict:
    return {k: (str(v) if isinstance(v, Decimal) else v) for k, v in knobs.items()}


def logged(caplog: pytest.LogCaptureFixture, message: str) -> list[dict]:
    return [getattr(r, "fields", {}) for r in caplog.records if r.getMessage() == message]


def doctor(settings: Settings) -> dict[str, str]:
    """`bot doctor`'s verdict per SLO on the run's ledger (the exchange is not asked: its faults
    are still on)."""
    report = run_doctor(settings, exchange=False)
    print({f.name: (f.status, f.value, f.detail) for f in report.findings if f.name.startswith("slo.")})
    return {f.name.removeprefix("slo."): f.status for f in report.findings if f.name.startswith("slo.")}


def settle_and_compare(simulator: SimHandle, settings: Settings, db: Path) -> None:
    simulator.set_faults(reset=True)
    simulator.freeze()
    run_on(db, settings, 1)  # `bot run --once` on a calm exchange whose market stands still
    account = simulator.account()
    exchange = {a: Decimal(b["total"]) for a, b in account["balances"].items() if Decimal(b["total"])}
    ledger = {a: Decimal(t) for a, t in rows(db, "SELECT asset, total FROM balances") if Decimal(t)}
    assert ledger == exchange
    ok, report = ledger_verify(db)  # what `bot ledger verify` checks and prints
    assert ok, report


def test_retry_storm_keeps_running_within_the_rate_limits_and_the_ledger_still_matches(
    paced_simulator, tmp_path
):
    simulator = paced_simulator
    # The profile's injected 429s ask for Retry-After: 1 s. The clients honour it (sync and async,
    # tests/unit/btcturk, on an injected sleep); the composition gives them the real sleep, so
    # here it would only make 20 cycles wait ~40 s on the wall clock. At 0 the client retries
    # after its own backoff: the same storm of 429s, 5xx and latency, only denser.
    simulator.set_faults(**jsonable(profile("retry-storm") | {"retry_after_s": 0}))
    db = tmp_path / "bot.sqlite"
    settings = cycle_settings(
        bot_env(
            simulator.url, db, BOT_EXCHANGE__RETRY_BASE_DELAY_S="0.01", BOT_EXCHANGE__RETRY_MAX_DELAY_S="0.2"
        )
    )
    assert len(run_on(db, settings, 20)) == 20
    report = simulator.fault_report()
    assert report["counters"]["injected_429"] > 0 and report["counters"]["injected_5xx"] > 0
    assert report["counters"]["rate_limited_429"] == 0, (
        "the client's limiter kept every group under its limit"
    )
    for group, windows in report["rate_limits"].items():
        for period, window in windows.items():
            assert window["over_limit"] == 0, (group, period, window)
    assert rows(db, "SELECT COUNT(*) FROM fills")[0][0] > 0
    # 429s and 5xx on reads: retried, so the retry and 429 ratios fail; where a read ran out of
    # retries or a submit met a 5xx, the failure and uncertain-submit ratios fail as well.
    assert_slo_verdicts(
        doctor(settings),
        must_fail={"retry_ratio", "rate_limited_ratio"},
        may_fail=frozenset({"request_failure_ratio", "uncertain_submit_ratio", "degraded_ratio"}),
    )
    settle_and_compare(simulator, settings, db)


def test_a_daemon_cycling_flat_out_is_held_under_every_rate_limit_by_its_own_limiter(
    paced_simulator, tmp_path
):
    # No latency and no wait between cycles: 110 cycles ask for ~220 order books, more than the
    # 180 a minute BTCTurk allows, so only the client's limiter (80 % of each limit, then a fast
    # refusal) keeps the exchange from answering 429.
    simulator = paced_simulator
    simulator.set_faults(enforce_rate_limits=True)
    db = tmp_path / "bot.sqlite"
    assert len(run_on(db, cycle_settings(bot_env(simulator.url, db)), 110)) == 110
    report = simulator.fault_report()
    assert report["counters"]["rate_limited_429"] == 0
    for group, windows in report["rate_limits"].items():
        for period, window in windows.items():
            assert window["over_limit"] == 0, (group, period, window)


def test_flaky_submit_never_duplicates_and_resolves_every_uncertain_submit_by_lookup(
    clocked_simulator, tmp_path
):
    simulator, exchange_clock = clocked_simulator
    knobs = profile("flaky-submit") | {"submit_response_delay_s": "1.5", "never_visible_ratio": "0"}
    simulator.set_faults(**jsonable(knobs))
    db = tmp_path / "bot.sqlite"
    env = bot_env(simulator.url, db, BOT_EXCHANGE__TIMEOUT_S="1", BOT_EXCHANGE__CLOCK_SYNC_INTERVAL_S="0.001")
    settings = cycle_settings(env)
    # As `--cycle-seconds 0.1`: an order accepted in a cycle is hidden from lookups (for the
    # profile's 300 ms) until three cycles later, on the exchange's clock.
    assert len(run_on(db, settings, 30, after_cycle=lambda: exchange_clock.advance(100))) == 30
    report = simulator.fault_report()
    assert report["counters"]["dropped_submits"] > 0
    decided_uncertain = rows(db, "SELECT COUNT(*) FROM events WHERE type = 'OrderSubmitUncertain'")[0][0]
    assert decided_uncertain >= report["counters"]["dropped_submits"] > 0
    # Submits answered too late: uncertain (looked up, never re-sent); nothing else is wrong.
    assert_slo_verdicts(
        doctor(settings), must_fail={"uncertain_submit_ratio"}, may_fail=frozenset({"request_failure_ratio"})
    )
    # A second later, one more cycle with the faults lifted: a submit the run's last cycles left
    # uncertain is settled by lookup, never sent again.
    exchange_clock.advance(1_000)
    settle_and_compare(simulator, settings, db)
    assert rows(db, "SELECT COUNT(*) FROM orders WHERE status = 'uncertain' OR status = 'unknown'") == [(0,)]
    client_ids = Counter(o["client_order_id"] for o in simulator.account()["orders"])
    assert client_ids and max(client_ids.values()) == 1, "no client order id reached the exchange twice"


def test_stale_feed_places_no_order_on_stale_data(clocked_simulator, tmp_path):
    simulator, exchange_clock = clocked_simulator
    db = tmp_path / "bot.sqlite"
    settings = cycle_settings(
        bot_env(
            simulator.url,
            db,
            BOT_MARKET_DATA__MAX_AGE_MS="400",
            BOT_MARKET_DATA__FALLBACK_AGE_MS="200",
            # Data ages are measured on the exchange's clock: read it every cycle, so the ages are
            # those of the test's clock, not of how fast this machine runs the cycles.
            BOT_EXCHANGE__CLOCK_SYNC_INTERVAL_S="0.001",
            # Order ages are on the local clock, which barely moves between cycles in process: an
            # order is canceled the cycle after it was placed, so the strategy keeps proposing.
            BOT_EXECUTION__ORDER_TTL_MS="1",
        )
    )
    simulator.set_faults(frozen_feed=True)
    frozen_at = int(simulator.state()["market_ms"])
    # As `--cycle-seconds 0.1`: the exchange's time moves 100 ms a cycle.
    assert len(run_on(db, settings, 20, after_cycle=lambda: exchange_clock.advance(100))) == 20
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
    # A frozen feed: cycles run on stale data and place nothing; everything else is healthy.
    assert_slo_verdicts(doctor(settings), must_fail={"stale_data_ratio"})


def test_a_skewed_exchange_clock_is_measured_and_applied_to_stamps_and_data_ages(
    paced_simulator, tmp_path, caplog
):
    # The exchange runs 90 s behind us. Uncorrected, every stamp would be refused (401) and every
    # quote would look 90 s old against a 30 s limit; corrected, the daemon trades normally.
    caplog.set_level(logging.INFO, logger="bot")
    simulator = paced_simulator
    simulator.set_faults(clock_skew_ms=-90_000)
    db = tmp_path / "bot.sqlite"
    settings = cycle_settings(bot_env(simulator.url, db, BOT_MARKET_DATA__MAX_AGE_MS="30000"))
    assert len(run_on(db, settings, 15)) == 15
    fields = [getattr(r, "fields", {}) for r in caplog.records]
    measured = [f["clock_offset_ms"] for f in fields if "clock_offset_ms" in f]
    assert measured and all(abs(offset + 90_000) < 1_000 for offset in measured), measured
    assert any("beyond the threshold" in r.getMessage() for r in caplog.records)
    reasons = {r for (r,) in rows(db, "SELECT DISTINCT reason_code FROM decisions")}
    assert "market_data_stale" not in reasons
    assert rows(db, "SELECT COUNT(*) FROM orders")[0][0] > 0
    assert simulator.account()["orders"], "signed requests were accepted"


def test_stage4_obeys_the_anomaly_degrade_level_when_the_exchange_clock_drifts(
    paced_simulator, tmp_path, caplog
):
    # Stamps and data ages are corrected, but a clock 90 s off is itself an anomaly: stage 4 has
    # no risk budget, yet it must stop placing orders and say why, as stage 7 would.
    caplog.set_level(logging.INFO, logger="bot")
    simulator = paced_simulator
    simulator.set_faults(clock_skew_ms=-90_000)
    db = tmp_path / "bot.sqlite"
    settings = cycle_settings(bot_env(simulator.url, db, BOT_UNIVERSE__SYMBOLS='["BTCTRY", "ETHTRY"]'))
    assert len(run_on(db, settings, 12, stage="4")) == 12
    changes = events(db, "RiskModeChanged")
    assert changes and {c["source"] for c in changes} == {"anomaly"}, "stage 4 obeys the anomaly level only"
    assert changes[0]["to_mode"] == "observe"
    assert any(cause.startswith("clock_skew_ms=") for cause in changes[0]["causes"])
    assert logged(caplog, "risk mode changed")
    submits = {r for (r,) in rows(db, "SELECT DISTINCT reason_code FROM decisions WHERE kind = 'submit'")}
    assert submits <= {"observe_only"}
    assert simulator.account()["orders"] == []
