"""Each SLO's value and verdict from a window of recorded cycles, at and around its threshold."""

from __future__ import annotations

from decimal import Decimal as D

import pytest

from bot.config import Settings
from bot.slo import SLO_NAMES, CycleSample, SloResult, catalogue
from bot.slo.evaluate import Window, evaluate, percentile

NOW = 1_700_000_000_000
DEFAULTS = Settings()


def thresholds():
    from bot.app.doctor import thresholds as from_settings

    return from_settings(DEFAULTS)


def cycle(
    i: int, *, status: str = "ok", duration_ms: int = 100, age: int | None = 500, **counters: int
) -> CycleSample:
    started = NOW - (100 - i) * 10_000
    return CycleSample(
        cycle_id=i,
        started_ms=started,
        completed_ms=started + duration_ms,
        status=status,
        duration_ms=duration_ms,
        max_data_age_ms=age,
        counters={"reconciled": 1, **counters},
    )


def judged(samples: list[CycleSample], *, live: bool = True) -> dict[str, SloResult]:
    t = thresholds()
    window = Window(samples=samples, now_ms=NOW, data_age_limit_ms=120_000, live_clock=live)
    return {r.spec.name: r for r in evaluate(catalogue(t), window, warn_ratio=t.warn_ratio)}


def healthy(n: int = 100) -> list[CycleSample]:
    return [cycle(i, requests=7, submitted=1, submit_ms_max=80, reconcile_lag_ms_max=900) for i in range(n)]


def test_a_healthy_window_passes_every_slo_with_a_value():
    results = judged(healthy())
    assert list(results) == list(SLO_NAMES)
    assert {name: r.status for name, r in results.items()} == dict.fromkeys(SLO_NAMES, "pass")
    assert all(r.value is not None for r in results.values())


def test_the_catalogue_names_are_stable_and_each_has_a_runbook_section():
    assert SLO_NAMES == (
        "cycle_latency_p99_ms", "submit_latency_p99_ms", "uncertain_submit_ratio", "reconcile_lag_p99_ms",
        "reconcile_age_s",
        "market_data_age_p99_ms", "stale_data_ratio", "retry_ratio", "rate_limited_ratio",
        "request_failure_ratio", "unknown_orders", "balance_drift", "degraded_ratio", "failed_cycles",
        "last_cycle_age_s",
    )  # fmt: skip
    assert all(spec.runbook == f"runbooks/slo.md#{spec.name}" for spec in catalogue(thresholds()))


def test_percentiles_are_nearest_rank():
    assert percentile(list(range(1, 101))) == 99
    assert percentile([5]) == 5
    assert percentile([1, 2]) == 2


def test_cycle_latency_fails_above_its_threshold_and_warns_near_it():
    slow = healthy()
    slow[-2:] = [cycle(98, duration_ms=3001), cycle(99, duration_ms=3001)]  # 2 % of cycles: the p99
    assert judged(slow)["cycle_latency_p99_ms"].status == "fail"
    near = healthy()
    near[-2:] = [cycle(98, duration_ms=2500), cycle(99, duration_ms=2500)]  # over 80 % of 3,000
    assert judged(near)["cycle_latency_p99_ms"].status == "warn"
    assert judged(near)["cycle_latency_p99_ms"].value == 2500


def test_retries_and_429s_are_ratios_of_the_requests_and_name_the_worst_endpoint():
    samples = healthy()
    samples[0] = cycle(0, requests=7, retries=40, rate_limited=10, **{"retries:GET /api/v2/orderbook": 40})
    results = judged(samples)
    retry = results["retry_ratio"]
    assert retry.value == D("0.0571") and retry.status == "fail"  # 40 of 700
    assert "most on GET /api/v2/orderbook (40)" in retry.detail
    assert (
        results["rate_limited_ratio"].value == D("0.0143") and results["rate_limited_ratio"].status == "fail"
    )
    assert results["request_failure_ratio"].status == "pass"


def test_without_requests_the_request_slos_have_no_data_and_pass():
    results = judged([cycle(i) for i in range(10)])
    assert results["retry_ratio"].status == "no_data" and results["retry_ratio"].value is None
    assert results["submit_latency_p99_ms"].status == "no_data"


def test_stale_data_counts_cycles_past_the_bots_own_data_age_limit():
    samples = healthy()
    for i in range(6):
        samples[i] = cycle(i, age=130_000, requests=7)
    results = judged(samples)
    assert results["stale_data_ratio"].value == D("0.06") and results["stale_data_ratio"].status == "fail"
    assert results["market_data_age_p99_ms"].status == "fail"


def test_reconcile_age_counts_from_the_last_complete_reconcile():
    samples = healthy()
    for i in range(60, 100):
        samples[i] = CycleSample(
            cycle_id=i,
            started_ms=samples[i].started_ms,
            completed_ms=samples[i].completed_ms,
            status="ok",
            duration_ms=100,
            max_data_age_ms=500,
            counters={"requests": 7},  # no "reconciled": the reconcile failed from cycle 60 on
        )
    result = judged(samples)["reconcile_age_s"]
    assert result.value == D("409.9") and result.status == "fail"  # cycle 59 ended 409.9 s ago


def test_unknown_orders_and_drift_judge_the_end_of_the_window():
    samples = healthy()
    samples[50] = cycle(50, unknown_orders=1, balance_drift=1)
    results = judged(samples)
    assert results["unknown_orders"].status == "pass" and "at most 1" in results["unknown_orders"].detail
    assert results["balance_drift"].status == "pass"
    samples[-1] = cycle(99, unknown_orders=2, balance_drift=1)
    results = judged(samples)
    assert results["unknown_orders"].value == 2 and results["unknown_orders"].status == "fail"
    assert results["balance_drift"].value == 1 and results["balance_drift"].status == "fail"


def test_degraded_and_failed_cycles():
    samples = healthy()
    samples[:6] = [cycle(i, status="degraded", requests_refused=i % 2) for i in range(6)]
    results = judged(samples)
    assert results["degraded_ratio"].value == D("0.06") and results["degraded_ratio"].status == "fail"
    assert (
        "6 of 100 cycles, 3 of them with requests the client refused itself"
        in results["degraded_ratio"].detail
    )
    assert results["failed_cycles"].status == "pass"
    samples[7] = cycle(7, status="failed")
    assert judged(samples)["failed_cycles"].status == "fail"


@pytest.mark.parametrize(("live", "status"), [(True, "fail"), (False, "no_data")])
def test_the_last_cycle_age_is_measured_on_a_live_clock_only(live, status):
    samples = [cycle(i) for i in range(50)]  # the last ended 509.9 s ago
    assert judged(samples, live=live)["last_cycle_age_s"].status == status


def test_an_empty_replay_window_has_no_data_anywhere():
    assert {r.status for r in judged([], live=False).values()} == {"no_data"}


def test_uncertain_submits_are_a_ratio_of_the_submits_however_they_ended():
    samples = healthy()  # one accepted submit a cycle
    samples[0] = cycle(0, requests=7, uncertain=1, exchange_rejected=1, submit_ms_max=1000)
    result = judged(samples)["uncertain_submit_ratio"]
    assert result.value == D("0.0099") and result.status == "warn"  # 1 of 101: past 0.8 of 1 %
    samples[1] = cycle(1, requests=7, uncertain=1)
    assert judged(samples)["uncertain_submit_ratio"].status == "fail"  # 2 of 101


def test_a_daemon_down_longer_than_the_window_fails_instead_of_having_no_data():
    t = thresholds()
    two_hours_ago = NOW - 7_200_000
    window = Window(
        samples=[], now_ms=NOW, data_age_limit_ms=120_000, last_completed_ms=two_hours_ago,
        last_reconciled_ms=two_hours_ago,
    )  # fmt: skip
    results = {r.spec.name: r for r in evaluate(catalogue(t), window, warn_ratio=t.warn_ratio)}
    assert results["last_cycle_age_s"].value == D("7200.0") and results["last_cycle_age_s"].status == "fail"
    assert results["reconcile_age_s"].status == "fail"


def test_a_live_ledger_on_which_no_cycle_ever_completed_warns():
    t = thresholds()
    window = Window(samples=[], now_ms=NOW, data_age_limit_ms=120_000)
    results = {r.spec.name: r for r in evaluate(catalogue(t), window, warn_ratio=t.warn_ratio)}
    assert results["last_cycle_age_s"].status == "warn" and results["reconcile_age_s"].status == "warn"
    replay = Window(samples=[], now_ms=NOW, data_age_limit_ms=120_000, live_clock=False)
    results = {r.spec.name: r for r in evaluate(catalogue(t), replay, warn_ratio=t.warn_ratio)}
    assert results["last_cycle_age_s"].status == "no_data"
