"""The random part of the synthetic market: volatility regimes, clustering and a common factor.

This is the only place the generator uses float: these numbers are *shocks* (unit-free returns
and multipliers), never prices or quantities. `synthetic.py` turns each one into an exact Decimal
with `as_decimal` (rounded to 12 places) before it touches a price, so a price is always exact
Decimal arithmetic on a quantised shock, and the output is the same for a seed on any platform.

Model, per step:
- a market regime (calm / normal / stressed) that switches as a Markov chain with mean
  durations of hours, scaling every symbol's volatility (regime switching);
- a GARCH(1,1) variance on the common factor so large moves follow large moves (clustering);
- fat tails: Student-t (5 degrees of freedom) shocks scaled to unit variance;
- each symbol's return = its volatility x (rho x common + sqrt(1 - rho^2) x own shock);
- an intraday activity cycle peaking at 14:00 UTC.
"""

from __future__ import annotations

import math
import random
from dataclasses import dataclass
from decimal import Decimal

_TAIL_DEGREES_OF_FREEDOM = 5.0
_GARCH_ALPHA = 0.08
_GARCH_BETA = 0.90
_MAX_VARIANCE = 16.0  # GARCH variance cap: bursts up to 4x volatility, never runaway
_MAX_ABS_RETURN = 0.2  # a single step never moves more than 20%, so prices stay positive


@dataclass(frozen=True, slots=True)
class _Regime:
    name: str
    volatility_multiplier: float
    mean_duration_minutes: float
    next_weights: tuple[float, float, float]  # chance of moving to calm, normal, stressed


_REGIMES = (
    _Regime("calm", 0.6, 240.0, (0.0, 0.8, 0.2)),
    _Regime("normal", 1.0, 360.0, (0.6, 0.0, 0.4)),
    _Regime("stressed", 2.5, 60.0, (0.2, 0.8, 0.0)),
)


def as_decimal(shock: float) -> Decimal:
    """A float shock as an exact Decimal, rounded to 12 decimal places (via its shortest repr)."""
    return Decimal(str(round(shock, 12)))


class ShockProcess:
    """Seeded source of per-step shocks. Draw order is fixed, so a seed fixes the whole path."""

    def __init__(self, seed: int, step_ms: int) -> None:
        self._rng = random.Random(seed)
        self._step_minutes = step_ms / 60_000
        self._regime = 1  # start in "normal"
        self._variance = 1.0  # GARCH variance of the common factor, unconditional mean 1
        self._last_squared = 1.0  # last step's squared (variance-scaled) common shock
        self._common = 0.0
        self._activity = 1.0

    @property
    def regime(self) -> str:
        return _REGIMES[self._regime].name

    def advance(self, ts_ms: int) -> float:
        """Move to the step at `ts_ms`; returns the market activity (volatility multiplier, ~1)."""
        regime = _REGIMES[self._regime]
        leave_probability = min(1.0, self._step_minutes / regime.mean_duration_minutes)
        if self._rng.random() < leave_probability:
            self._regime = self._rng.choices(range(3), weights=regime.next_weights)[0]
        self._variance = min(
            _MAX_VARIANCE,
            (1 - _GARCH_ALPHA - _GARCH_BETA)
            + _GARCH_ALPHA * self._last_squared
            + _GARCH_BETA * self._variance,
        )
        self._common = self.fat_tailed()
        self._last_squared = self._variance * self._common * self._common
        self._activity = (
            _REGIMES[self._regime].volatility_multiplier * math.sqrt(self._variance) * _intraday(ts_ms)
        )
        return self._activity

    def step_return(self, *, volatility: float, correlation: float) -> float:
        """One symbol's return for this step; `volatility` is its typical per-minute return std."""
        own = self.fat_tailed()
        mixed = correlation * self._common + math.sqrt(1 - correlation * correlation) * own
        step_volatility = volatility * math.sqrt(self._step_minutes) * self._activity
        return max(-_MAX_ABS_RETURN, min(_MAX_ABS_RETURN, step_volatility * mixed))

    def fat_tailed(self) -> float:
        """A Student-t draw scaled to unit variance."""
        nu = _TAIL_DEGREES_OF_FREEDOM
        chi_square = self._rng.gammavariate(nu / 2, 2.0)
        return self._rng.gauss(0.0, 1.0) / math.sqrt(chi_square / nu) * math.sqrt((nu - 2) / nu)

    def lognormal(self, sigma: float) -> float:
        """A multiplier with median 1 and log-std `sigma`."""
        return math.exp(self._rng.gauss(0.0, sigma))

    def chance(self, probability: float) -> bool:
        return self._rng.random() < probability


def _intraday(ts_ms: int) -> float:
    """0.8 at 02:00 UTC rising to 1.2 at 14:00 UTC: markets are busier in the European afternoon."""
    minute_of_day = (ts_ms // 60_000) % 1440
    return 1.0 + 0.2 * math.cos(2 * math.pi * (minute_of_day - 14 * 60) / 1440)
