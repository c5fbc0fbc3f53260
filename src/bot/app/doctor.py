"""`bot doctor`: is this bot healthy? Every SLO over a window, and what else an operator checks.

Read-only and lock-free, so it runs beside the daemon: the ledger is opened read-only and read
in snapshot transactions, the exchange only with reads, the metrics port only probed. The
findings, failing ones first in the table (`bot.cli.doctor`), each name the runbook section to
read. The JSON form (`--json`, schema in runbooks/slo.md) has the same findings in a fixed order.

Exit codes: 0 everything passes (warnings included), 1 a finding fails (or warns, with
`--strict`), 2 bad usage or configuration, 4 the ledger cannot be used (missing, damaged, newer
than this bot or refused by the integrity check).
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Literal

import bot
from bot.app.doctor_host import disk_finding, metrics_port_finding
from bot.app.ledger_commands import damage_refused, ledger_verify
from bot.app.ledger_keys import LEDGER_ID_KEY, REPLAY_CLOCK_KEY
from bot.config import Settings
from bot.cycle.kill_switch import read_kill_switch
from bot.domain.orders import OrderStatus
from bot.domain.risk import RiskMode
from bot.slo import CycleSample, SloResult, SloThresholds, catalogue
from bot.slo.evaluate import Window, evaluate
from bot.store import Database
from bot.store.integrity import inspect_ledger
from bot.store.records import CycleRecord

Status = Literal["pass", "warn", "fail", "skip", "no_data"]
JsonScalar = str | int | float | None
SCHEMA = "bot-doctor/1"
_ORDER = {"fail": 0, "warn": 1, "pass": 2, "no_data": 3, "skip": 4}


@dataclass(frozen=True, slots=True, kw_only=True)
class Finding:
    name: str  # stable: "slo.retry_ratio", "ledger.integrity", ...
    status: Status
    value: JsonScalar = None
    threshold: JsonScalar = None
    unit: str = ""
    detail: str = ""
    runbook: str | None = None

    def as_json(self) -> dict[str, JsonScalar]:
        return {
            "name": self.name,
            "status": self.status,
            "value": self.value,
            "threshold": self.threshold,
            "unit": self.unit,
            "detail": self.detail,
            "runbook": self.runbook,
        }


@dataclass(frozen=True, slots=True, kw_only=True)
class DoctorReport:
    ledger: str
    window_s: int
    generated_ms: int
    findings: Sequence[Finding]

    def failing(self, *, strict: bool = False) -> list[Finding]:
        bad = ("fail", "warn") if strict else ("fail",)
        return [f for f in self.findings if f.status in bad]

    def exit_code(self, *, strict: bool = False) -> int:
        return 1 if self.failing(strict=strict) else 0

    def ordered(self) -> list[Finding]:
        """Failing first, then warnings, then the rest; otherwise in report order."""
        return sorted(self.findings, key=lambda f: _ORDER[f.status])

    def as_json(self) -> dict[str, object]:
        counts = {status: sum(1 for f in self.findings if f.status == status) for status in _ORDER}
        return {
            "schema": SCHEMA,
            "version": bot.__version__,
            "ledger": self.ledger,
            "window_s": self.window_s,
            "generated_ms": self.generated_ms,
            "verdict": "fail" if counts["fail"] else ("warn" if counts["warn"] else "pass"),
            "counts": counts,
            "findings": [f.as_json() for f in self.findings],
        }


def thresholds(settings: Settings) -> SloThresholds:
    s = settings.slo
    return SloThresholds(
        cycle_latency_p99_ms=s.cycle_latency_p99_ms,
        submit_latency_p99_ms=s.submit_latency_p99_ms,
        uncertain_submit_ratio=s.uncertain_submit_ratio,
        reconcile_lag_p99_ms=s.reconcile_lag_p99_ms,
        reconcile_max_age_s=s.reconcile_max_age_s,
        market_data_age_p99_ms=s.market_data_age_p99_ms,
        stale_data_ratio=s.stale_data_ratio,
        retry_ratio=s.retry_ratio,
        rate_limited_ratio=s.rate_limited_ratio,
        request_failure_ratio=s.request_failure_ratio,
        unknown_orders=s.unknown_orders,
        balance_drift_cycles=s.balance_drift_cycles,
        degraded_ratio=s.degraded_ratio,
        failed_cycles=s.failed_cycles,
        # A daemon cycling slowly is not stalled until it misses three cycles.
        last_cycle_max_age_s=max(s.last_cycle_max_age_s, int(3 * settings.loop.cycle_seconds) + 1),
        warn_ratio=s.warn_ratio,
    )


def run_doctor(
    settings: Settings,
    *,
    window_s: int | None = None,
    full: bool = False,
    now_ms: int | None = None,
    exchange: bool = True,
) -> DoctorReport:
    """Every finding for the ledger at `settings.store.path`. Raises StoreError (exit 4) for a
    ledger that cannot be used; everything else is a finding."""
    path = settings.store.path
    now = time.time_ns() // 1_000_000 if now_ms is None else now_ms
    window = settings.slo.window_s if window_s is None else window_s
    findings = [Finding(name="config", status="pass", detail=_describe(settings)), _cadence(settings)]
    with Database.open_readonly(path) as database, damage_refused(Path(path)):
        findings.append(_fast_integrity(database))
        slos = evaluate_slos(database, settings, window_s=window, now_ms=now)
        findings += [_slo_finding(result) for result in slos]
        with database.read() as view:
            ledger_id = view.state.get(LEDGER_ID_KEY)
        findings += _state(database, now)
    if full:  # after the read-only handle is closed: the verify opens its own
        findings = [_full_integrity(Path(path)) if f.name == "ledger.integrity" else f for f in findings]
    if exchange:
        from bot.app.doctor_exchange import exchange_findings

        findings += exchange_findings(settings)
    findings.append(metrics_port_finding(settings, ledger_id))
    findings.append(disk_finding(Path(path)))
    return DoctorReport(ledger=str(path), window_s=window, generated_ms=now, findings=findings)


def _describe(settings: Settings) -> str:
    source = settings.market_data.source
    where = f"dataset {settings.market_data.dataset}" if source == "replay" else settings.exchange.base_url
    return f"mode {settings.mode}, exchange adapter {settings.exchange.adapter}, market data from {where}"


def _cadence(settings: Settings) -> Finding:
    from bot.app.read_budget import cadence_warnings, read_loads

    warnings = cadence_warnings(settings)
    loads = read_loads(settings)
    if warnings:
        return Finding(
            name="config.cadence",
            status="warn",
            value=settings.loop.cycle_seconds,
            threshold=round(loads[0].shortest_cycle_s, 2),
            unit="s",
            detail="; ".join(warnings),
            runbook="runbooks/slo.md#rate_limited_ratio",
        )
    detail = (
        f"loop.cycle_seconds {settings.loop.cycle_seconds:g} s fits every endpoint's rate limit"
        if loads
        else "no read a cycle makes can overrun a rate limit (market data from the WebSocket feed or a"
        " replay; the account paced by exchange.account_reads, or a paper account)"
    )
    return Finding(
        name="config.cadence", status="pass", value=settings.loop.cycle_seconds, unit="s", detail=detail
    )


def _full_integrity(path: Path) -> Finding:
    """The whole `bot ledger verify`: every event re-hashed, every projection rebuilt."""
    ok, text = ledger_verify(path)
    return Finding(
        name="ledger.integrity",
        status="pass" if ok else "fail",
        detail=text.splitlines()[0] if ok else text,
        runbook=None if ok else "runbooks/ledger-refused-at-start.md",
    )


def _fast_integrity(database: Database) -> Finding:
    """The start-up check, read-only (no checkpoint). A refused ledger raises (exit 4)."""
    report = inspect_ledger(database)
    seq = report.checkpoint_seq
    since = "the first event" if seq is None else f"the checkpoint at seq {seq}"
    return Finding(
        name="ledger.integrity",
        status="pass",
        value=report.events,
        unit="events",
        detail=f"hash chain and acted-on state agree; {report.replayed} events replayed since {since}"
        " (`--full` re-checks everything)",
    )


def evaluate_slos(database: Database, settings: Settings, *, window_s: int, now_ms: int) -> list[SloResult]:
    """Every SLO over the `window_s` before `now_ms` (on a replay ledger: before its last cycle's
    dataset time), from the ledger's cycle records, in one read transaction."""
    with database.read() as view:
        replay_clock = view.state.get(REPLAY_CLOCK_KEY)
        live_clock = replay_clock is None
        end_ms = now_ms if live_clock else int(replay_clock or 0)
        records = view.cycles.since(end_ms - window_s * 1000)
        last_completed, last_reconciled = view.cycles.last_completed_ms(), view.cycles.last_reconciled_ms()
    window = Window(
        samples=[cycle_sample(record) for record in records if record.started_ms is not None],
        now_ms=end_ms,
        data_age_limit_ms=settings.market_data.max_age_ms,
        live_clock=live_clock,
        last_completed_ms=last_completed,
        last_reconciled_ms=last_reconciled,
    )
    return judge(window, settings)


def judge(window: Window, settings: Settings) -> list[SloResult]:
    """Every SLO of the catalogue over `window`, at the settings' thresholds."""
    t = thresholds(settings)
    return evaluate(catalogue(t), window, warn_ratio=t.warn_ratio)


def cycle_sample(record: CycleRecord) -> CycleSample:
    """A started cycle's record as the SLOs read it."""
    assert record.started_ms is not None
    return CycleSample(
        cycle_id=record.cycle_id,
        started_ms=record.started_ms,
        completed_ms=record.completed_ms,
        status=record.status,
        duration_ms=record.duration_ms,
        max_data_age_ms=record.max_data_age_ms,
        counters=dict(record.counters),
    )


def _slo_finding(result: SloResult) -> Finding:
    spec = result.spec
    return Finding(
        name=f"slo.{spec.name}",
        status=result.status,
        value=_number(result.value),
        threshold=_number(spec.threshold),
        unit=spec.unit,
        detail=f"{spec.title}: {result.detail}" + (f"; {spec.action}" if result.status == "fail" else ""),
        runbook=spec.runbook,
    )


def _number(value: Decimal | None) -> JsonScalar:
    if value is None:
        return None
    return int(value) if value == value.to_integral_value() else float(value)


def _state(database: Database, now_ms: int) -> list[Finding]:
    """What the ledger says now: orders of unknown outcome, frozen symbols, kill switch, mode."""
    with database.read() as view:
        working = view.orders.working()
    unknown = sorted(o.client_order_id for o in working if o.status is OrderStatus.UNKNOWN)
    uncertain = sorted(o.client_order_id for o in working if o.status is OrderStatus.UNCERTAIN)
    frozen = sorted({o.symbol for o in working if o.status is OrderStatus.UNKNOWN})
    switch = read_kill_switch(database)
    engaged = switch.engaged(now_ms)
    findings = [
        Finding(
            name="orders.unknown",
            status="fail" if unknown else ("warn" if uncertain else "pass"),
            value=len(unknown),
            unit="orders",
            detail=(f"unknown: {', '.join(unknown)}" if unknown else "none unknown")
            + (f"; being resolved by lookup: {', '.join(uncertain)}" if uncertain else ""),
            runbook="runbooks/unknown-order.md" if unknown or uncertain else None,
        ),
        Finding(
            name="symbols.frozen",
            status="fail" if frozen else "pass",
            value=len(frozen),
            unit="symbols",
            detail=f"frozen until their unknown orders settle: {', '.join(frozen)}" if frozen else "none",
            runbook="runbooks/unknown-order.md" if frozen else None,
        ),
        Finding(
            name="kill_switch",
            status="fail" if engaged else "pass",
            value=int(engaged),
            detail=f"engaged by {switch.source}: {switch.reason}" if engaged else "off",
            runbook="runbooks/risk-modes-and-kill-switch.md" if engaged else None,
        ),
    ]
    findings.append(_mode_finding(database))
    return findings


def _mode_finding(database: Database) -> Finding:
    """The stricter of the stage-7 risk budget's mode and the anomaly level (stages 4 and 7): the
    mode the bot obeys."""
    from bot.cycle.portfolio.memory import load_memory

    memory = load_memory(database)
    if memory.equity is None:
        return Finding(
            name="risk_mode", status="skip", detail="no portfolio stage (4 or 7) has run on this ledger"
        )
    budget = memory.budget.mode if memory.budget is not None else RiskMode.NORMAL
    mode = budget.stricter(memory.anomaly.level)
    restricted = mode is not RiskMode.NORMAL
    return Finding(
        name="risk_mode",
        status="warn" if restricted else "pass",
        value=mode.value,
        detail=f"risk budget {budget.value}, anomaly level {memory.anomaly.level.value}"
        + ("; trading is restricted" if restricted else ""),
        runbook="runbooks/risk-modes-and-kill-switch.md" if restricted else None,
    )
