"""Balance drift: the ledger's balances and the exchange's disagree beyond a tolerance.

After reconciliation the ledger's total per asset should equal the exchange's: every fill is
ingested and the opening balances came from the exchange. A difference that lasts means
something moved money outside the bot's sight (a deposit, a withdrawal, a fill that was never
recorded), and every cash or position check would then work from wrong numbers. So drift beyond
tolerance for `cycles` consecutive cycles freezes new submits (`balance_drift`; cancels still
go) until it is back within tolerance. Both transitions are `BalanceDriftChanged` events, logged
once; a fill read a moment after the balances can make one cycle drift, hence the count.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal

from bot.domain.clock import Clock
from bot.domain.events import EventType
from bot.domain.money import ZERO
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

    def assess(self, ledger: Mapping[str, Decimal], exchange: Mapping[str, Decimal]) -> bool:
        """Record a transition if this cycle makes one; True while new submits must stay frozen."""
        beyond = beyond_tolerance(ledger, exchange, self._tolerance)
        self._streak = self._streak + 1 if beyond else 0
        if self._frozen is None:
            with self._db.read() as uow:
                self._frozen = drift_frozen(uow.state)
        frozen = self._frozen
        starts = not frozen and self._streak >= self._tolerance.cycles
        clears = frozen and not beyond
        if starts or clears:
            with self._db.unit_of_work() as uow:
                payload = {"ts_ms": self._clock.now_ms(), "frozen": starts, "drift": beyond}
                uow.record(EventType.BALANCE_DRIFT_CHANGED, payload)
                uow.commit()
            self._frozen = starts
        fields = {asset: str(drift) for asset, drift in beyond.items()}
        if starts:
            log.error(
                "ledger and exchange balances disagree: new orders frozen (balance_drift)",
                extra={"fields": {"drift": fields, "cycles": self._streak, "runbook": RUNBOOK}},
            )
        elif clears:
            log.warning("ledger and exchange balances agree again: balance_drift freeze lifted")
        return starts or (frozen and not clears)
