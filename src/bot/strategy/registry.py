"""The strategy registry: strategies by name, their combined state, and combining their signals."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from functools import partial
from types import MappingProxyType

from bot.domain.json_fields import StateFieldError, map_field, mapping_field, within
from bot.domain.market import MarketSnapshot
from bot.strategy import mean_reversion, momentum
from bot.strategy.signals import Signal, Strategy, StrategyState, clamp_score

ZERO = Decimal(0)


@dataclass(frozen=True, slots=True, kw_only=True)
class StrategyKind:
    """How to build a strategy from its params (as read from config) and read back its state."""

    name: str
    build: Callable[[Mapping[str, object]], Strategy]
    state_from_json: Callable[[Mapping[str, object]], StrategyState]


def _build_mean_reversion(params: Mapping[str, object]) -> Strategy:
    return mean_reversion.MeanReversion(params=mean_reversion.MeanReversionParams.from_json(params))


def _build_momentum(params: Mapping[str, object]) -> Strategy:
    return momentum.Momentum(params=momentum.MomentumParams.from_json(params))


REGISTRY: Mapping[str, StrategyKind] = MappingProxyType(
    {
        mean_reversion.NAME: StrategyKind(
            name=mean_reversion.NAME,
            build=_build_mean_reversion,
            state_from_json=mean_reversion.MeanReversionState.from_json,
        ),
        momentum.NAME: StrategyKind(
            name=momentum.NAME, build=_build_momentum, state_from_json=momentum.MomentumState.from_json
        ),
    }
)


def build_strategies(params_by_name: Mapping[str, Mapping[str, object]]) -> tuple[Strategy, ...]:
    """Strategies in name order. Raises ValueError naming an unknown strategy or a bad param."""
    strategies: list[Strategy] = []
    for name in sorted(params_by_name):
        kind = REGISTRY.get(name)
        if kind is None:
            raise ValueError(f"{name}: unknown strategy (known: {', '.join(sorted(REGISTRY))})")
        strategies.append(within(name, partial(kind.build, params_by_name[name])))
    return tuple(strategies)


@dataclass(frozen=True, slots=True, kw_only=True)
class RegistryState:
    """Each strategy's own persisted state, keyed by strategy name."""

    states: Mapping[str, StrategyState] = field(default_factory=dict)

    def to_json(self) -> dict[str, object]:
        return {"states": {name: self.states[name].to_json() for name in sorted(self.states)}}

    @classmethod
    def from_json(cls, data: Mapping[str, object]) -> RegistryState:
        """Raises StateFieldError naming the bad field (`states.momentum.windows: missing`)."""
        return cls(states=map_field(data, "states", _strategy_state))


def _strategy_state(states: Mapping[str, object], name: str) -> StrategyState:
    entry = mapping_field(states, name)
    kind = REGISTRY.get(name)
    if kind is None:
        raise StateFieldError(name, "unknown strategy")
    return within(name, partial(kind.state_from_json, entry))


def run_strategies(
    strategies: Sequence[Strategy],
    state: RegistryState,
    market: MarketSnapshot,
    symbols: Sequence[str],
) -> tuple[RegistryState, dict[str, Mapping[str, Signal]]]:
    """Step every strategy on its own state; state of strategies no longer configured is dropped."""
    states: dict[str, StrategyState] = {}
    signals: dict[str, Mapping[str, Signal]] = {}
    for strategy in strategies:
        previous = state.states.get(strategy.name)
        step = strategy.step(previous if previous is not None else strategy.initial_state(), market, symbols)
        states[strategy.name] = step.state
        signals[strategy.name] = step.signals
    return RegistryState(states=states), signals


def combine(
    signals_by_strategy: Mapping[str, Mapping[str, Signal]], weights: Mapping[str, Decimal]
) -> dict[str, Signal]:
    """Weighted average score per symbol over every weighted strategy.

    A strategy with a weight but no signal for a symbol (warming up, no data) counts as a neutral
    0: a lone opinion is diluted rather than promoted to full conviction. Strategies without a
    weight are ignored. Raises ValueError on a negative weight.
    """
    for name, weight in weights.items():
        if weight < 0:
            raise ValueError(f"weights.{name}: must not be negative, got {weight}")
    total_weight = sum((weight for weight in weights.values()), ZERO)
    if total_weight == 0:
        return {}
    names = sorted(name for name, weight in weights.items() if weight > 0)
    symbols = sorted({symbol for name in names for symbol in signals_by_strategy.get(name, {})})
    combined: dict[str, Signal] = {}
    for symbol in symbols:
        score = ZERO
        reasons: list[str] = []
        for name in names:
            signal = signals_by_strategy.get(name, {}).get(symbol)
            if signal is None:
                reasons.append(f"[{name} w={weights[name]}] no signal")
                continue
            score += weights[name] * signal.score
            reasons.append(f"[{name} w={weights[name]}] {signal.reason}")
        combined_score = clamp_score(score / total_weight)
        combined[symbol] = Signal(
            symbol=symbol, score=combined_score, reason=f"score {combined_score:.3f}: " + "; ".join(reasons)
        )
    return combined
