"""Rows from a market read once a step (`bot replay-capture`): the pure part.

At each step a symbol's `QuoteSample` (the best bid and ask with their quantities, the last price,
the 24 h volume, and the exchange's timestamp of the newest of them) becomes a row stamped with the
step's time, or a missed step with its reason. A sample whose exchange timestamp has not moved
since the last row is stale: the exchange said nothing new, so no row claims it did (the replay
sees the gap as stale data, as it would have live). A row's `volume` is the rise of the 24 h
volume since the previous fresh sample, never below 0: trades that leave the 24 h window in the
same step hide that much of it, so it is a floor on the step's volume, not its measure.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from decimal import Decimal
from enum import StrEnum

from bot.domain.dataset import MarketRow
from bot.domain.money import ZERO, quantize_down
from bot.domain.symbols import PairRules
from bot.replay.validation import check_row


@dataclass(frozen=True, slots=True, kw_only=True)
class QuoteSample:
    bid: Decimal
    bid_qty: Decimal
    ask: Decimal
    ask_qty: Decimal
    last: Decimal
    volume_24h: Decimal | None  # base asset; None when the source has not stated it
    exchange_ts_ms: int


class Miss(StrEnum):
    """Why a step has no row for a symbol; the values appear in the JSON summary."""

    NO_DATA = "no_data"  # nothing usable yet: no quote, no book, an empty side
    READ_FAILED = "read_failed"  # the exchange did not answer the read
    STALE = "stale"  # the exchange's timestamp did not move since the last row
    REFUSED = "refused"  # the data breaks a rule of the pair (e.g. a crossed book)
    LATE = "late"  # the capture fell behind and skipped the step


@dataclass(frozen=True, slots=True, kw_only=True)
class MissedRun:
    """Consecutive steps missed for one reason: `start_ms` and `end_ms` are the first and last."""

    start_ms: int
    end_ms: int
    steps: int
    reason: Miss


@dataclass(slots=True)
class SymbolCapture:
    """One symbol's capture so far: what it last wrote and every run of missed steps."""

    rules: PairRules
    step_ms: int
    rows: int = 0
    missed: list[MissedRun] = field(default_factory=list)
    _last_ts_ms: int | None = None
    _last_exchange_ts_ms: int | None = None
    _last_volume_24h: Decimal | None = None

    def record(self, ts_ms: int, sample: QuoteSample | Miss) -> MarketRow | None:
        """The row for the step at `ts_ms`, or None with the miss recorded."""
        if isinstance(sample, Miss):
            self.skip(ts_ms, sample)
            return None
        if self._last_exchange_ts_ms is not None and sample.exchange_ts_ms <= self._last_exchange_ts_ms:
            self.skip(ts_ms, Miss.STALE)
            return None
        scale = self.rules.quantity_scale
        row = MarketRow(
            ts_ms=ts_ms,
            bid=sample.bid,
            ask=sample.ask,
            last=sample.last,
            bid_qty=quantize_down(sample.bid_qty, scale),
            ask_qty=quantize_down(sample.ask_qty, scale),
            volume=self._step_volume(sample.volume_24h),
        )
        if check_row(self.rules, row, self._last_ts_ms) is not None:
            self.skip(ts_ms, Miss.REFUSED)
            return None
        self._last_ts_ms, self._last_exchange_ts_ms = ts_ms, sample.exchange_ts_ms
        if sample.volume_24h is not None:
            self._last_volume_24h = sample.volume_24h
        self.rows += 1
        return row

    def skip(self, ts_ms: int, reason: Miss) -> None:
        """Record the step at `ts_ms` as missed for `reason` (joining the run it continues)."""
        previous = self.missed[-1] if self.missed else None
        if previous is not None and previous.reason is reason and previous.end_ms + self.step_ms == ts_ms:
            self.missed[-1] = MissedRun(
                start_ms=previous.start_ms, end_ms=ts_ms, steps=previous.steps + 1, reason=reason
            )
        else:
            self.missed.append(MissedRun(start_ms=ts_ms, end_ms=ts_ms, steps=1, reason=reason))

    @property
    def missed_steps(self) -> int:
        return sum(run.steps for run in self.missed)

    def missed_by_reason(self) -> dict[str, int]:
        counts: Counter[str] = Counter()
        for run in self.missed:
            counts[run.reason.value] += run.steps
        return dict(sorted(counts.items()))

    def _step_volume(self, volume_24h: Decimal | None) -> Decimal:
        if volume_24h is None or self._last_volume_24h is None:
            return ZERO
        return max(ZERO, quantize_down(volume_24h - self._last_volume_24h, self.rules.quantity_scale))
