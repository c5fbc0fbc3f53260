"""The dynamic universe: the top symbols by 24h quote volume that pass spread and depth filters.

Changes are damped: a newcomer must rank in the top `size` for `probation_cycles` consecutive
cycles, a removed symbol waits out a cooldown, and at most `max_changes_per_cycle` additions plus
removals happen per cycle. Deterministic: ties rank by symbol.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from decimal import Decimal

from bot.domain.json_fields import int_field, map_field, text_list_field


@dataclass(frozen=True, slots=True, kw_only=True)
class SymbolStats:
    """What the caller measured for one candidate symbol this cycle."""

    symbol: str
    quote: str
    trading: bool
    volume_quote: Decimal  # 24h volume in the quote asset (base volume * last)
    spread_bps: Decimal
    depth_quote: Decimal  # notional within the top levels of both sides of the book


@dataclass(frozen=True, slots=True, kw_only=True)
class UniverseParams:
    quote_asset: str
    size: int
    min_volume_quote: Decimal
    max_spread_bps: Decimal
    min_depth_quote: Decimal
    probation_cycles: int  # consecutive cycles in the top `size` before a newcomer is admitted
    cooldown_ms: int  # a removed symbol cannot re-enter before this has passed
    max_changes_per_cycle: int  # additions + removals per cycle (the fallback switch is exempt)
    fallback: tuple[str, ...]  # the universe when nothing qualifies, and the initial one

    def __post_init__(self) -> None:
        if self.size < 1:
            raise ValueError(f"size: must be at least 1, got {self.size}")
        for name in ("probation_cycles", "cooldown_ms", "max_changes_per_cycle"):
            if getattr(self, name) < 0:
                raise ValueError(f"{name}: must not be negative, got {getattr(self, name)}")


@dataclass(frozen=True, slots=True, kw_only=True)
class UniverseState:
    members: tuple[str, ...]  # sorted
    probation: Mapping[str, int] = field(default_factory=dict)  # newcomer -> consecutive cycles in top
    cooldown_until_ms: Mapping[str, int] = field(default_factory=dict)  # removed symbol -> re-entry time

    @classmethod
    def initial(cls, params: UniverseParams) -> UniverseState:
        return cls(members=tuple(sorted(set(params.fallback))))

    def to_json(self) -> dict[str, object]:
        return {
            "members": list(self.members),
            "probation": {symbol: self.probation[symbol] for symbol in sorted(self.probation)},
            "cooldown_until_ms": {s: self.cooldown_until_ms[s] for s in sorted(self.cooldown_until_ms)},
        }

    @classmethod
    def from_json(cls, data: Mapping[str, object]) -> UniverseState:
        return cls(
            members=text_list_field(data, "members"),
            probation=map_field(data, "probation", int_field),
            cooldown_until_ms=map_field(data, "cooldown_until_ms", int_field),
        )


@dataclass(frozen=True, slots=True, kw_only=True)
class UniverseChange:
    added: tuple[str, ...] = ()
    removed: tuple[str, ...] = ()
    reasons: Mapping[str, str] = field(default_factory=dict)  # symbol -> why it was added or removed


def disqualification(stats: SymbolStats, params: UniverseParams) -> str | None:
    """Why `stats` fails the filters, or None when the symbol qualifies."""
    failures = []
    if stats.quote != params.quote_asset:
        failures.append(f"quote {stats.quote} is not {params.quote_asset}")
    if not stats.trading:
        failures.append("not trading")
    if stats.volume_quote < params.min_volume_quote:
        failures.append(f"24h volume {stats.volume_quote} < {params.min_volume_quote}")
    if stats.spread_bps > params.max_spread_bps:
        failures.append(f"spread {stats.spread_bps:.1f} bps > {params.max_spread_bps} bps")
    if stats.depth_quote < params.min_depth_quote:
        failures.append(f"depth {stats.depth_quote} < {params.min_depth_quote}")
    return ", ".join(failures) or None


def select_universe(
    state: UniverseState, stats: Mapping[str, SymbolStats], params: UniverseParams, now_ms: int
) -> tuple[UniverseState, UniverseChange]:
    """This cycle's universe.

    No stats at all (the caller could not measure anything) changes nothing. When nothing
    qualifies the universe becomes the fallback list. Otherwise, within the churn limit: members
    that stop qualifying leave first, then the universe is trimmed to `size`, then newcomers that
    served their probation join, each displacing the worst-ranked member outside the top `size`
    when the universe is full. A member without stats this cycle stays (no data, no action) but is
    the first to make room. Every removed symbol starts a cooldown.
    """
    cooldowns = {symbol: until for symbol, until in state.cooldown_until_ms.items() if until > now_ms}
    if not stats:
        return replace(state, cooldown_until_ms=cooldowns), UniverseChange()
    failures = {symbol: disqualification(entry, params) for symbol, entry in stats.items()}
    qualified = sorted(
        (entry for entry in stats.values() if failures[entry.symbol] is None),
        key=lambda entry: (-entry.volume_quote, entry.symbol),
    )
    if not qualified:
        return _fallback(state, cooldowns, params, now_ms)
    members = set(state.members)
    ranked = [e.symbol for e in qualified if e.symbol in members or e.symbol not in cooldowns]
    plan = _Plan(members=set(members), budget=params.max_changes_per_cycle, ranked=ranked, size=params.size)
    for symbol in sorted(members):
        reason = failures.get(symbol)
        if reason is not None and plan.budget > 0:
            plan.remove(symbol, f"no longer qualifies: {reason}")
    while len(plan.members) > params.size and plan.budget > 0:
        plan.remove(plan.worst_outside_top(), f"universe over size {params.size}")
    probation = {symbol: state.probation.get(symbol, 0) + 1 for symbol in plan.top if symbol not in members}
    for symbol in plan.top:
        if symbol in members or probation[symbol] < params.probation_cycles or not plan.admit(symbol):
            continue
        plan.reasons[symbol] = (
            f"ranked #{ranked.index(symbol) + 1} by 24h volume {stats[symbol].volume_quote} "
            f"for {probation.pop(symbol)} consecutive cycles"
        )
    for symbol in plan.removed:
        cooldowns[symbol] = now_ms + params.cooldown_ms
    new_state = UniverseState(
        members=tuple(sorted(plan.members)), probation=probation, cooldown_until_ms=cooldowns
    )
    return new_state, UniverseChange(
        added=tuple(plan.added), removed=tuple(plan.removed), reasons=dict(plan.reasons)
    )


@dataclass(slots=True, kw_only=True)
class _Plan:
    """The changes being built within one cycle's churn budget."""

    members: set[str]
    budget: int
    ranked: list[str]
    size: int
    added: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    reasons: dict[str, str] = field(default_factory=dict)

    @property
    def top(self) -> list[str]:
        return self.ranked[: self.size]

    def remove(self, symbol: str, reason: str) -> None:
        self.members.discard(symbol)
        self.removed.append(symbol)
        self.reasons[symbol] = reason
        self.budget -= 1

    def worst_outside_top(self) -> str:
        top = set(self.top)
        rank = {symbol: index for index, symbol in enumerate(self.ranked)}
        outside = [symbol for symbol in self.members if symbol not in top]
        return max(outside, key=lambda symbol: (rank.get(symbol, len(rank)), symbol))

    def admit(self, symbol: str) -> bool:
        """Add `symbol`, first displacing a member outside the top if full. False if out of budget."""
        if len(self.members) < self.size:
            if self.budget < 1:
                return False
        else:
            if self.budget < 2:
                return False
            self.remove(self.worst_outside_top(), f"fell out of the top {self.size}: replaced by {symbol}")
        self.members.add(symbol)
        self.added.append(symbol)
        self.budget -= 1
        return True


def _fallback(
    state: UniverseState, cooldowns: dict[str, int], params: UniverseParams, now_ms: int
) -> tuple[UniverseState, UniverseChange]:
    """Nothing qualifies: the universe is the fallback list, whatever the churn limit says."""
    target = set(params.fallback)
    added = tuple(sorted(target - set(state.members)))
    removed = tuple(sorted(set(state.members) - target))
    for symbol in removed:
        cooldowns[symbol] = now_ms + params.cooldown_ms
    for symbol in added:
        cooldowns.pop(symbol, None)
    reasons = dict.fromkeys(added + removed, "fallback")
    new_state = UniverseState(members=tuple(sorted(target)), probation={}, cooldown_until_ms=cooldowns)
    return new_state, UniverseChange(added=added, removed=removed, reasons=reasons)
