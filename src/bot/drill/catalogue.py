"""The drills: each a fault schedule over a pinned market, and the outcomes it must show.

What each proves, and how to add one: runbooks/drills.md. A drill's checks read its ledger (the
cycle records `bot doctor` judges, the decisions, the orders' lives) and the exchange's books.
"""

from __future__ import annotations

import hashlib
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

from bot.app.ledger_commands import ledger_verify_document
from bot.drill import markets
from bot.drill.harness import API_KEY, Phase, Played, Scenario, play
from bot.drill.observe import Observed, ledger_against_exchange, observe, slos
from bot.drill.verdict import Check, DrillResult
from bot.execution.crash_points import POINTS
from bot.slo.evaluate import CycleSample

CALM_MARKET = 400  # rows of the oscillating market: more than any drill's cycles
SEED_TRY = {"TRY": Decimal(100_000)}
Overrides = Mapping[str, object]
_IN_FLIGHT = frozenset({"pending_submit", "uncertain"})


@dataclass(frozen=True, slots=True)
class Drill:
    name: str
    proves: str  # one line: what a green run shows
    run: Callable[[Path, int, Overrides], DrillResult]


def _finish(name: str, started: float, played: list[Played], checks: list[Check]) -> DrillResult:
    seen = [observe(p) for p in played]
    digests = [o.fingerprint for o in seen]
    digest = digests[0] if len(digests) == 1 else hashlib.sha256("\n".join(digests).encode()).hexdigest()
    cycles = sum(len(o.samples) for o in seen)  # the cycles that completed
    return DrillResult(name, tuple(checks), digest, cycles, round(time.perf_counter() - started, 2))


def _agrees(played: Played, observed: Observed) -> list[Check]:
    """What every drill must end with: a ledger that verifies and equals the exchange."""
    verified = ledger_verify_document(played.ledger)
    problems = ledger_against_exchange(played, observed)
    placed = len(played.exchange.engine.orders(API_KEY))
    in_flight = sorted(o.client_order_id for o in observed.orders.values() if o.status in _IN_FLIGHT)
    escalated = sum(1 for o in observed.orders.values() if o.status == "unknown")
    return [
        Check(
            "ledger verify passes (hash chain, projections, money recomputed from the fills)",
            "ok" if verified["ok"] else str(verified["problems"])[:200],
            bool(verified["ok"]),
        ),
        Check(
            "ledger equals the exchange: nothing lost, nothing placed twice, fills and states agree",
            f"{placed} orders, {len(observed.fill_ids)} fills agree"
            if not problems
            else f"{len(problems)} differences: {'; '.join(problems[:3])}",
            not problems,
        ),
        Check(
            "nothing left in flight: every order written ahead is resolved or escalated",
            f"{len(in_flight)} pending or uncertain{': ' + ', '.join(in_flight[:3]) if in_flight else ''}; "
            f"{escalated} escalated to unknown",
            not in_flight,
        ),
    ]


def _window(played: Played, observed: Observed, phase: Phase) -> tuple[list[CycleSample], list[CycleSample]]:
    """The cycles inside `phase` and the ones after it."""
    start, end = played.cycle_start_ms[phase.first - 1], played.cycle_start_ms[phase.last]
    during = observed.cycles_between(start, end)
    after = observed.cycles_between(end, 1 << 62)
    return during, after


def _play_oscillating(
    workdir: Path,
    seed: int,
    overrides: Overrides,
    *,
    cycles: int,
    balances: Mapping[str, Decimal],
    phase: Phase,
) -> Played:
    """The oscillating market with one fault phase: the shape of most drills."""
    scenario = Scenario(
        market=lambda: markets.oscillating(CALM_MARKET), cycles=cycles, balances=balances, phases=(phase,)
    )
    return play(scenario, workdir, seed=seed, overrides=overrides)


# -- stale-data --------------------------------------------------------------------------------

# The feed stops twice: frozen outright (no new prices), then with prices moving under
# timestamps that no longer advance (a feed stuck on an old clock: the dangerous case, where a
# bot that ignores the data's age would trade on prices it cannot date).
FROZEN = Phase(first=30, last=39, faults={"frozen_feed": True})
STUCK = Phase(first=100, last=109, faults={"stuck_timestamps": True})
# Fixed by the drill, not read from the settings: a `--set` that loosens the bot's limits must
# not loosen what the drill calls stale (budget.data_age_reduce_ms and anomaly.stale_data_ms).
STALE_AFTER_MS = 30_000


def stale_data(workdir: Path, seed: int, overrides: Overrides) -> DrillResult:
    started = time.perf_counter()
    scenario = Scenario(
        market=lambda: markets.oscillating(CALM_MARKET), cycles=180, balances=SEED_TRY, phases=(FROZEN, STUCK)
    )
    played = play(scenario, workdir, seed=seed, overrides=overrides)
    seen = observe(played)
    frozen, _ = _window(played, seen, FROZEN)
    stuck, after = _window(played, seen, STUCK)
    submits_by_cycle = {p["cycle_id"] for p in seen.of("OrderSubmitRequested")}
    stale = [s for s in seen.samples if (s.max_data_age_ms or 0) > STALE_AFTER_MS]
    stale_submits = [s.cycle_id for s in stale if s.cycle_id in submits_by_cycle]
    observed_in = {
        name: sorted(
            {
                c["source"]
                for c in seen.of("RiskModeChanged")
                if c["to_mode"] == "observe" and c["cycle_id"] in ids
            }
        )
        for name, ids in (("frozen", {s.cycle_id for s in frozen}), ("stuck", {s.cycle_id for s in stuck}))
    }
    last_by_source: dict[str, str] = {}
    for change in seen.of("RiskModeChanged"):
        last_by_source[change["source"]] = change["to_mode"]
    ratios = [slos(played, window)["stale_data_ratio"] for window in (frozen, stuck, after)]
    checks = [
        Check(
            f"no order placed on data older than {STALE_AFTER_MS // 1000} s (the default stale limits)",
            f"{len(stale_submits)} submits in {len(stale)} stale cycles"
            + (f" (cycles {stale_submits[:5]})" if stale_submits else ""),
            bool(stale) and not stale_submits,
        ),
        Check(
            "the budget and the anomaly governor go to OBSERVE in both stalls",
            f"frozen feed: {', '.join(observed_in['frozen']) or 'neither'}; "
            f"stuck timestamps: {', '.join(observed_in['stuck']) or 'neither'}",
            all(set(sources) == {"budget", "anomaly"} for sources in observed_in.values()),
        ),
        Check(
            "back to NORMAL after the cooldown and healthy cycles",
            seen.mode_paths(),
            bool(last_by_source) and set(last_by_source.values()) == {"normal"},
        ),
        Check(
            "the stale-data SLO fails in each stall and passes after",
            ", ".join(f"{r.status} {r.value}" for r in ratios) + " (frozen, stuck, after)",
            [r.status for r in ratios] == ["fail", "fail", "pass"],
        ),
        *_agrees(played, seen),
    ]
    return _finish("stale-data", started, [played], checks)


# -- retry-storm -------------------------------------------------------------------------------

STORM = Phase(first=20, last=44, faults={"http_429_ratio": 0.3, "http_5xx_ratio": 0.3, "retry_after_s": 1})


def retry_storm(workdir: Path, seed: int, overrides: Overrides) -> DrillResult:
    started = time.perf_counter()
    played = _play_oscillating(workdir, seed, overrides, cycles=110, balances=SEED_TRY, phase=STORM)
    seen = observe(played)
    during, after = _window(played, seen, STORM)
    attempts = played.settings.exchange.read_max_attempts
    longest = played.attempts.longest
    over = sorted(f"{endpoint} {n}" for endpoint, n in longest.items() if n > attempts)
    submit_attempts = longest.get("POST /api/v1/order", 0)
    refused = [s.cycle_id for s in during if s.counters.get("requests_refused", 0)]
    last = after[-20:]
    closed = all(s.status == "ok" and not s.counters.get("requests_refused", 0) for s in last)
    retry = slos(played, during)["retry_ratio"]
    retry_after = slos(played, after)["retry_ratio"]
    checks = [
        Check(
            f"reads retried at most {attempts - 1} times per call; writes never retried",
            f"{sum(s.counters.get('retries', 0) for s in seen.samples)} retries; most attempts by one call "
            f"{max(longest.values(), default=0)}; over the limit: {', '.join(over) or 'none'}; "
            f"submit attempts per call {submit_attempts}",
            not over and submit_attempts <= 1,
        ),
        Check(
            "the circuit breaker opens during the storm and closes after it",
            f"requests refused by the open breaker in {len(refused)} cycles; "
            f"last {len(last)} cycles {'ok with no refusal' if closed else 'still refused or degraded'}",
            bool(refused) and closed,
        ),
        Check(
            "the retry SLO fails while the storm lasts and passes after",
            f"{retry.status} {retry.value} during, {retry_after.status} {retry_after.value} after",
            retry.status == "fail" and retry_after.status == "pass",
        ),
        *_agrees(played, seen),
    ]
    return _finish("retry-storm", started, [played], checks)


# -- reconcile-lag -----------------------------------------------------------------------------

LAG_MS = 180_000  # three cycles
LAG = Phase(first=20, last=59, faults={"report_delay_ms": LAG_MS})
LAG_SEED = {"TRY": Decimal(6000)}  # a few orders hold most of the cash
# BTCTurk's refusals (code 1122) of an order the free balance cannot pay for: the second when
# open orders hold the money (bot.exchange.matching.rules).
_SHORT_OF_CASH = ("BALANCE_NOT_ENOUGH", "FAILED_ORDER_WITH_OPEN_ORDERS")


def reconcile_lag(workdir: Path, seed: int, overrides: Overrides) -> DrillResult:
    started = time.perf_counter()
    played = _play_oscillating(workdir, seed, overrides, cycles=110, balances=LAG_SEED, phase=LAG)
    seen = observe(played)
    during, after = _window(played, seen, LAG)
    short = [p for p in seen.of("OrderRejected") if any(token in str(p) for token in _SHORT_OF_CASH)]
    lag = slos(played, during)["reconcile_lag_p99_ms"]
    lag_after = slos(played, after)["reconcile_lag_p99_ms"]
    late = sum(1 for s in during if s.counters.get("reconcile_lag_ms_max", 0) >= LAG_MS)
    checks = [
        Check(
            "no double spend: no order refused for cash the pending orders hold (code 1122)",
            f"{len(seen.of('OrderSubmitRequested'))} submits on a {LAG_SEED['TRY']} TRY account, "
            f"{len(short)} refused for balance",
            not short and bool(seen.of("OrderSubmitRequested")),
        ),
        Check(
            "the reconcile-lag SLO fails while reports are late and passes after",
            f"{lag.status} {lag.value} ms during ({late} cycles saw fills 3 cycles late), "
            f"{lag_after.status} {lag_after.value} after",
            lag.status == "fail" and lag_after.status == "pass" and late > 0,
        ),
        *_agrees(played, seen),
    ]
    return _finish("reconcile-lag", started, [played], checks)


# -- flaky-submit ------------------------------------------------------------------------------

FLAKY = Phase(
    first=10,
    last=69,
    faults={"submit_drop_response_ratio": 0.25, "never_visible_ratio": 0.1, "submit_response_delay_s": 30},
)


def flaky_submit(workdir: Path, seed: int, overrides: Overrides) -> DrillResult:
    started = time.perf_counter()
    played = _play_oscillating(workdir, seed, overrides, cycles=110, balances=SEED_TRY, phase=FLAKY)
    seen = observe(played)
    during, _ = _window(played, seen, FLAKY)
    uncertain = {p["client_order_id"] for p in seen.of("OrderSubmitUncertain")}
    on_exchange = {o.client_order_id for o in played.exchange.engine.orders(API_KEY)}
    found = {cid for cid in uncertain if seen.orders[cid].status not in ("uncertain", "unknown")}
    escalated = {cid for cid in uncertain if seen.orders[cid].status == "unknown"}
    wrongly_found = sorted(found - on_exchange)
    wrongly_escalated = sorted(escalated & on_exchange)
    ratio = slos(played, during)["uncertain_submit_ratio"]
    checks = [
        Check(
            "every uncertain submit is found by lookup or escalated to unknown (symbol frozen)",
            f"{len(uncertain)} uncertain: {len(found)} found, {len(escalated)} escalated, "
            f"{len(uncertain) - len(found) - len(escalated)} still open",
            bool(uncertain) and found | escalated == uncertain,
        ),
        Check(
            "found ones are on the exchange; escalated ones are the submits the exchange lost",
            f"{len(wrongly_found)} found but absent, {len(wrongly_escalated)} escalated but placed",
            not wrongly_found and not wrongly_escalated,
        ),
        Check(
            "the uncertain-submit SLO fails during the faults",
            f"{ratio.status} {ratio.value}",
            ratio.status == "fail",
        ),
        *_agrees(played, seen),
    ]
    return _finish("flaky-submit", started, [played], checks)


# -- crash -------------------------------------------------------------------------------------

CRASH_NTH = 3  # the third time the point is reached: orders are open and fills recorded by then


def crash(workdir: Path, seed: int, overrides: Overrides) -> DrillResult:
    started = time.perf_counter()
    played_all: list[Played] = []
    checks: list[Check] = []
    for point in POINTS:
        played = play(
            Scenario(
                market=lambda: markets.oscillating(CALM_MARKET),
                cycles=60,
                balances=SEED_TRY,
                crash_at=(point, CRASH_NTH),
            ),
            workdir / point,
            seed=seed,
            overrides=overrides,
        )
        seen = observe(played)
        verdicts = _agrees(played, seen)
        crashed = played.crashed_at == (point,)
        checks.append(
            Check(
                f"killed at {point}, restarted: nothing lost or duplicated, ledger verifies",
                ("crashed and restarted" if crashed else "the point was never reached")
                + "; "
                + "; ".join(v.observed for v in verdicts),
                crashed and all(v.ok for v in verdicts),
            )
        )
        played_all.append(played)
    return _finish("crash", started, played_all, checks)


# -- sell-off ----------------------------------------------------------------------------------


def sell_off(workdir: Path, seed: int, overrides: Overrides) -> DrillResult:
    started = time.perf_counter()
    settings = {
        "selection.size": "1",
        # Buying a slide and selling the climb below the entry is a streak of losing round trips;
        # this drill is about the market's sell-off, not the streak rule.
        "budget.loss_streak_reduce": "50",
        "budget.loss_streak_observe": "50",
    }
    played = play(
        Scenario(
            market=markets.sell_off, cycles=markets.SELL_OFF_ROWS - 2, balances=SEED_TRY, settings=settings
        ),
        workdir,
        seed=seed,
        overrides=overrides,
    )
    seen = observe(played)
    modes = seen.modes("budget")
    strict = {
        d
        for d in (p.get("reason_code") for p in seen.of("DecisionRecorded"))
        if d and ("reduce" in d or "observe" in d)
    }
    checks = [
        Check(
            "the budget goes NORMAL -> REDUCE -> OBSERVE in the sell-off and back to NORMAL",
            seen.mode_paths(),
            _subsequence(["normal", "reduce", "observe"], modes) and bool(modes) and modes[-1] == "normal",
        ),
        Check(
            "the stricter modes are enforced (orders refused as reduce-only or observe-only)",
            ", ".join(sorted(strict)) or "no order refused for the mode",
            bool(strict),
        ),
        *_agrees(played, seen),
    ]
    return _finish("sell-off", started, [played], checks)


def _subsequence(wanted: list[str], seen: list[str]) -> bool:
    it = iter(seen)
    return all(any(x == w for x in it) for w in wanted)


DRILLS: tuple[Drill, ...] = (
    Drill("stale-data", "a frozen feed stops new orders, drives the budget to OBSERVE and back", stale_data),
    Drill("retry-storm", "429s and 5xx are retried within limits, the breaker opens and closes", retry_storm),
    Drill(
        "reconcile-lag",
        "fills and cancels confirmed 3 cycles late: no double spend, ledger catches up",
        reconcile_lag,
    ),
    Drill(
        "flaky-submit",
        "lost submit answers: every uncertain order found or escalated, none twice",
        flaky_submit,
    ),
    Drill("crash", "killed at each point of the order path and restarted: nothing lost or duplicated", crash),
    Drill("sell-off", "a sell-off drives NORMAL -> REDUCE -> OBSERVE -> NORMAL, modes enforced", sell_off),
)
