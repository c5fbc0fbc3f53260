"""Stage profiles: what decide and check mean in `bot run` (3), `stage4-run` and `stage7-run`.

The cycle (gather, reconcile, record, act) is the same for every stage; a profile turns the
cycle's inputs into decisions, and says what state it keeps for the next cycle. Its state
changes are recorded in the same unit of work as its decisions, so a crash never leaves one
without the other.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Protocol

from bot.cycle.ledger_view import LedgerView
from bot.domain.account import AccountSnapshot
from bot.domain.cycles import CycleOutcome
from bot.domain.decisions import Decision
from bot.domain.market import MarketSnapshot
from bot.domain.symbols import PairRules
from bot.risk.safety_gate import SafetyState
from bot.store import UnitOfWork


class CycleHistory(Protocol):
    def newest_first(self, n: int) -> Sequence[CycleOutcome]:
        """The last `n` cycles before this one, newest first (`bot.cycle.recent_cycles`)."""
        ...


@dataclass(frozen=True, slots=True, kw_only=True)
class CycleInputs:
    cycle_id: int
    now_ms: int
    rules: Mapping[str, PairRules]
    market: MarketSnapshot
    account: AccountSnapshot
    view: LedgerView
    safety: SafetyState
    recent_cycles: CycleHistory  # in memory: planning reads no cycles from SQLite


@dataclass(frozen=True, slots=True, kw_only=True)
class StagePlan:
    decisions: Sequence[Decision]
    intents: int
    record_state: Callable[[UnitOfWork], None] = lambda uow: None  # same unit of work as the decisions
    after_commit: Callable[[], None] = lambda: None  # logs and metrics that describe committed state
    notes: Mapping[str, int] = field(default_factory=dict)  # extra cycle counters


class StageProfile(Protocol):
    @property
    def name(self) -> str:
        """ "3", "4" or "7": stored with every cycle and in client order ids."""
        ...

    def symbols(self) -> Sequence[str]:
        """The symbols whose market data this cycle gathers."""
        ...

    def plan(self, inputs: CycleInputs) -> StagePlan: ...
