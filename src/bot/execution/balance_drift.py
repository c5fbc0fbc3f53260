"""Balance drift: the ledger's balances and the exchange's disagree beyond a tolerance.

After reconciliation the ledger's total per asset should equal the exchange's: every fill is
ingested and the opening balances came from the exchange. A difference that lasts means
something moved money outside the bot's sight (a deposit, a withdrawal, a fill that was never
recorded), and every cash or position check would then work from wrong numbers. So drift beyond
tolerance for `cycles` consecutive cycles freezes new submits (`balance_drift`; cancels still
go) until it is back within tolerance. Both transitions are `BalanceDriftChanged` events, logged
once; a fill read a moment after the balances can make one cycle drift, hence the count.

`assess_drift` decides (pure); `BalanceDriftGuard` keeps the streak, records and logs.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal

from bot.domain.clock import Clock
from bot.domain.money import ZERO
from bot.execution.notices import Notice, emit
from bot.execution.reconcile_events import LedgerEvent, balance_drift_changed
from bot.store.db import Database
from bot.store.payloads import loads
from bot.store.projections import BALANCE_DRIFT_KEY
from bot.store.run_repositories import StateRepository

log = logging.getLogger(__name__)
RUNBOOK = "runbooks/exchange-and-ledger-disagree.md"


@dataclass(frozen=True, slots=True, kw_only=True)
class DriftTolerance:
    """Drift of an asset is tolerated up to max(absolute[asset], ratio x |exchange total|)."""

    ratio: Decimal
    absolute: Mapping[str, Decimal] = field(default_factory=dict)
    cycles: int = 3


def drift_by_asset(ledger: Mapping[str, Decimal], exchange: Mapping[str, Decimal]) -> dict[str, Decimal]:
    """Ledger total minus exchange total for every asset either side has (zeros included)."""
    return {a: ledger.get(a, ZERO) - exchange.get(a, ZERO) for a in sorted(set(ledger) | set(exchange))}


def beyond_tolerance(
    ledger: Mapping[str, Decimal], exchange: Mapping[str, Decimal], tolerance: DriftTolerance
) -> dict[str, Decimal]:
    """The assets whose drift exceeds the tolerance, with their drift. Pure."""
    beyond = {}
    for asset, drift in drift_by_asset(ledger, exchange).items():
        allowed = max(tolerance.absolute.get(asset, ZERO), tolerance.ratio * abs(exchange.get(asset, ZERO)))
        if abs(drift) > allowed:
            beyond[asset] = drift
    return beyond


@dataclass(frozen=True, slots=True, kw_only=True)
class DriftVerdict:
    """One cycle's assessment: the drifting-cycle streak and the freeze after it, the event to
    record when the freeze starts or clears (None otherwise) and its log line."""

    streak: int
    frozen: bool
    event: LedgerEvent | None = None
    notices: tuple[Notice, ...] = ()


def assess_drift(
    ledger: Mapping[str, Decimal],
    exchange: Mapping[str, Decimal],
    tolerance: DriftTolerance,
    *,
    streak: int,
    frozen: bool,
    now_ms: int,
) -> DriftVerdict:
    """Pure: this cycle's verdict, given the streak and freeze the cycles before it left."""
    beyond = beyond_tolerance(ledger, exchange, tolerance)
    streak = streak + 1 if beyond else 0
    if not frozen and streak >= tolerance.cycles:
        fields = {asset: str(drift) for asset, drift in beyond.items()}
        notice = Notice(
            logging.ERROR,
            "ledger and exchange balances disagree: new orders frozen (balance_drift)",
            {"drift": fields, "cycles": streak, "runbook": RUNBOOK},
        )
        event = balance_drift_changed(frozen=True, drift=beyond, ts_ms=now_ms)
        return DriftVerdict(streak=streak, frozen=True, event=event, notices=(notice,))
    if frozen and not beyond:
        notice = Notice(
            logging.WARNING, "ledger and exchange balances agree again: balance_drift freeze lifted"
        )
        event = balance_drift_changed(frozen=False, drift={}, ts_ms=now_ms)
        return DriftVerdict(streak=streak, frozen=False, event=event, notices=(notice,))
    return DriftVerdict(streak=streak, frozen=frozen)


def drift_frozen(state: StateRepository) -> bool:
    """Whether the ledger says trading is frozen for balance drift."""
    text = state.get(BALANCE_DRIFT_KEY)
    return text is not None and loads(text).get("frozen") is True


class BalanceDriftGuard:
    """Counts drifting cycles (in memory) and records the freeze in the ledger (it survives restarts)."""

    def __init__(self, *, database: Database, clock: Clock, tolerance: DriftTolerance) -> None:
        self._db = database
        self._clock = clock
        self._tolerance = tolerance
        self._streak = 0
        self._frozen: bool | None = None  # read from the ledger once, then kept with every change

    @property
    def frozen(self) -> bool:
        """The freeze as it stands, without judging a new read (a cycle that reused the last one)."""
        if self._frozen is None:
            with self._db.read() as repos:
                self._frozen = drift_frozen(repos.state)
        return self._frozen

    def assess(self, ledger: Mapping[str, Decimal], exchange: Mapping[str, Decimal]) -> bool:
        """Record a transition if this cycle makes one; True while new submits must stay frozen."""
        if self._frozen is None:
            with self._db.read() as repos:
                self._frozen = drift_frozen(repos.state)
        verdict = assess_drift(
            ledger,
            exchange,
            self._tolerance,
            streak=self._streak,
            frozen=self._frozen,
            now_ms=self._clock.now_ms(),
        )
        if verdict.event is not None:
            with self._db.unit_of_work() as uow:
                uow.record(verdict.event)
                uow.commit()
        self._streak, self._frozen = verdict.streak, verdict.frozen
        emit(log, verdict.notices)
        return verdict.frozen
