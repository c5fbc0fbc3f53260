"""Mean reversion against a real anchor: an EMA of the mid price kept per symbol across cycles.

A mid below the anchor scores positive (buy), above it negative. The anchor a sample is measured
against is the EMA of the *previous* samples, so a price move is not partly compared to itself.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal

from bot.domain.json_fields import decimal_field, int_field, object_map_field
from bot.domain.market import MarketSnapshot
from bot.domain.money import canonical
from bot.strategy.signals import (
    Sample,
    Signal,
    StrategyState,
    StrategyStep,
    clamp_score,
    expect_state,
    new_sample,
)

NAME = "mean_reversion"
BPS = Decimal(10_000)


@dataclass(frozen=True, slots=True, kw_only=True)
class MeanReversionParams:
    period: int  # EMA period in samples; alpha = 2 / (period + 1)
    warmup_samples: int  # samples in the anchor before it is trusted
    band_ratio: Decimal  # deviation from the anchor (as a ratio of it) that scores a full 1
    max_sample_gap_ms: int  # a longer gap between samples restarts the anchor (it went stale)

    def __post_init__(self) -> None:
        for name in ("period", "warmup_samples", "max_sample_gap_ms"):
            if getattr(self, name) < 1:
                raise ValueError(f"{name}: must be at least 1, got {getattr(self, name)}")
        if self.band_ratio <= 0:
            raise ValueError(f"band_ratio: must be positive, got {self.band_ratio}")

    @property
    def alpha(self) -> Decimal:
        return Decimal(2) / Decimal(self.period + 1)

    @classmethod
    def from_json(cls, data: Mapping[str, object]) -> MeanReversionParams:
        return cls(
            period=int_field(data, "period"),
            warmup_samples=int_field(data, "warmup_samples"),
            band_ratio=decimal_field(data, "band_ratio"),
            max_sample_gap_ms=int_field(data, "max_sample_gap_ms"),
        )


@dataclass(frozen=True, slots=True, kw_only=True)
class EmaAnchor:
    ema: Decimal
    samples: int
    last_ts_ms: int  # exchange timestamp of the last sample folded in

    def __post_init__(self) -> None:
        if self.ema <= 0:
            raise ValueError(f"ema: must be positive, got {self.ema}")
        if self.samples < 1:
            raise ValueError(f"samples: must be at least 1, got {self.samples}")

    def updated(self, sample: Sample, alpha: Decimal) -> EmaAnchor:
        return EmaAnchor(
            ema=self.ema + alpha * (sample.mid - self.ema),
            samples=self.samples + 1,
            last_ts_ms=sample.ts_ms,
        )

    def to_json(self) -> dict[str, object]:
        return {"ema": canonical(self.ema), "samples": self.samples, "last_ts_ms": self.last_ts_ms}

    @classmethod
    def from_json(cls, data: Mapping[str, object]) -> EmaAnchor:
        return cls(
            ema=decimal_field(data, "ema"),
            samples=int_field(data, "samples"),
            last_ts_ms=int_field(data, "last_ts_ms"),
        )


@dataclass(frozen=True, slots=True, kw_only=True)
class MeanReversionState:
    anchors: Mapping[str, EmaAnchor] = field(default_factory=dict)

    def to_json(self) -> dict[str, object]:
        return {"anchors": {symbol: self.anchors[symbol].to_json() for symbol in sorted(self.anchors)}}

    @classmethod
    def from_json(cls, data: Mapping[str, object]) -> MeanReversionState:
        return cls(anchors=object_map_field(data, "anchors", EmaAnchor.from_json))


def step_mean_reversion(
    state: MeanReversionState,
    market: MarketSnapshot,
    symbols: Sequence[str],
    params: MeanReversionParams,
) -> tuple[MeanReversionState, dict[str, Signal]]:
    """Fold this cycle's mids into the anchors and score the symbols whose anchor is warm.

    Only symbols with a new sample this cycle move their anchor or get a signal; anchors of
    symbols no longer in `symbols` are dropped (a symbol that comes back warms up afresh).
    """
    anchors: dict[str, EmaAnchor] = {}
    signals: dict[str, Signal] = {}
    for symbol in symbols:
        previous = state.anchors.get(symbol)
        last_ts_ms = previous.last_ts_ms if previous is not None else None
        sample = new_sample(market, symbol, last_ts_ms, params.max_sample_gap_ms)
        if sample is None:
            if previous is not None:
                anchors[symbol] = previous
            continue
        if previous is None or not sample.continues:
            anchors[symbol] = EmaAnchor(ema=sample.mid, samples=1, last_ts_ms=sample.ts_ms)
            continue
        if previous.samples >= params.warmup_samples:
            signals[symbol] = _signal(symbol, sample.mid, previous, params)
        anchors[symbol] = previous.updated(sample, params.alpha)
    return MeanReversionState(anchors=anchors), signals


def _signal(symbol: str, mid: Decimal, anchor: EmaAnchor, params: MeanReversionParams) -> Signal:
    deviation_ratio = (anchor.ema - mid) / anchor.ema
    score = clamp_score(deviation_ratio / params.band_ratio)
    where = "below" if deviation_ratio >= 0 else "above"
    return Signal(
        symbol=symbol,
        score=score,
        reason=(
            f"mean reversion: mid {mid} is {abs(deviation_ratio) * BPS:.1f} bps {where} the "
            f"EMA({params.period}) anchor {anchor.ema:.10g} over {anchor.samples} samples "
            f"(band {params.band_ratio * BPS:.1f} bps) -> score {score:.3f}"
        ),
    )


@dataclass(frozen=True, slots=True, kw_only=True)
class MeanReversion:
    """The registry's view of the strategy: params bound, state passed in and out."""

    params: MeanReversionParams

    @property
    def name(self) -> str:
        return NAME

    def initial_state(self) -> MeanReversionState:
        return MeanReversionState()

    def step(self, state: StrategyState, market: MarketSnapshot, symbols: Sequence[str]) -> StrategyStep:
        own = expect_state(state, MeanReversionState)
        new_state, signals = step_mean_reversion(own, market, symbols, self.params)
        return StrategyStep(state=new_state, signals=signals)
