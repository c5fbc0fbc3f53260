"""Peak equity, drawdown and daily PnL, carried from cycle to cycle."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal

from bot.accounting.exact import difference, exact_text, ratio
from bot.domain.json_fields import decimal_field, int_field
from bot.domain.money import ZERO

DAY_MS = 86_400_000
_ONE = Decimal(1)


@dataclass(frozen=True, slots=True, kw_only=True)
class EquityState:
    """What `track_equity` carries between cycles (and the ledger stores as JSON)."""

    peak_equity: Decimal
    day_start_ms: int  # start of the current accounting day, epoch ms UTC
    day_start_equity: Decimal

    def to_json(self) -> dict[str, str | int]:
        """Decimals as canonical strings, every digit kept."""
        return {
            "peak_equity": exact_text(self.peak_equity),
            "day_start_ms": self.day_start_ms,
            "day_start_equity": exact_text(self.day_start_equity),
        }

    @classmethod
    def from_json(cls, data: Mapping[str, object]) -> EquityState:
        """Parse what `to_json` wrote. Raises StateFieldError naming the missing or bad field."""
        return cls(
            peak_equity=decimal_field(data, "peak_equity"),
            day_start_ms=int_field(data, "day_start_ms"),
            day_start_equity=decimal_field(data, "day_start_equity"),
        )


@dataclass(frozen=True, slots=True, kw_only=True)
class EquityReading:
    """One cycle's equity against the peak and the start of the accounting day."""

    equity: Decimal
    peak_equity: Decimal
    drawdown_ratio: Decimal  # (peak - equity) / peak, in [0, 1]; 0 when peak <= 0
    daily_pnl: Decimal  # equity - day_start_equity; negative is a loss
    daily_loss_ratio: Decimal  # max(0, -daily_pnl) / day_start_equity; 0 if day_start_equity <= 0
    day_rolled: bool  # this reading started a new accounting day
    complete: bool = True  # False: an incomplete valuation; see `hold_equity`


def day_start(now_ms: int, day_boundary_offset_ms: int = 0) -> int:
    """Start (epoch ms) of the accounting day holding `now_ms`.

    Days start at UTC midnight + `day_boundary_offset_ms`. The offset is added to UTC midnight, so
    local midnight in Istanbul (UTC+3, 21:00 UTC the day before) is an offset of 75_600_000.
    """
    return (now_ms - day_boundary_offset_ms) // DAY_MS * DAY_MS + day_boundary_offset_ms


def track_equity(
    state: EquityState | None, equity: Decimal, now_ms: int, *, day_boundary_offset_ms: int = 0
) -> tuple[EquityState, EquityReading]:
    """The next state and this cycle's reading for `equity` observed at `now_ms`.

    A None state starts fresh: the peak and the day's start are this equity. When `now_ms` falls in
    a later accounting day than the state's, the day rolls: this equity becomes the day's start, so
    daily PnL restarts from 0. A clock that went back never un-rolls a day. The peak only rises.
    """
    today = day_start(now_ms, day_boundary_offset_ms)
    if state is None:
        state = EquityState(peak_equity=equity, day_start_ms=today, day_start_equity=equity)
    rolled = today > state.day_start_ms
    state = EquityState(
        peak_equity=max(state.peak_equity, equity),
        day_start_ms=today if rolled else state.day_start_ms,
        day_start_equity=equity if rolled else state.day_start_equity,
    )
    daily_pnl = difference(equity, state.day_start_equity)
    return state, EquityReading(
        equity=equity,
        peak_equity=state.peak_equity,
        drawdown_ratio=_drawdown_ratio(state.peak_equity, equity),
        daily_pnl=daily_pnl,
        daily_loss_ratio=_loss_ratio(daily_pnl, state.day_start_equity),
        day_rolled=rolled,
    )


def hold_equity(state: EquityState | None, equity: Decimal) -> EquityReading:
    """The reading of a cycle whose valuation is incomplete (`Valuation.complete` is False).

    `equity` left out holdings that were valued before, so it is less than the holdings are
    worth: it does not move the peak or the accounting day (the caller keeps `state` as it is)
    and no loss is read from it. Drawdown, daily PnL and daily loss are 0 here, not measured:
    the caller must not trade or trip anything on them (`complete` is False).
    """
    return EquityReading(
        equity=equity,
        peak_equity=state.peak_equity if state is not None else equity,
        drawdown_ratio=ZERO,
        daily_pnl=ZERO,
        daily_loss_ratio=ZERO,
        day_rolled=False,
        complete=False,
    )


def _drawdown_ratio(peak: Decimal, equity: Decimal) -> Decimal:
    if peak <= 0:
        return ZERO
    return min(_ONE, ratio(difference(peak, equity), peak))


def _loss_ratio(daily_pnl: Decimal, day_start_equity: Decimal) -> Decimal:
    if day_start_equity <= 0 or daily_pnl >= 0:
        return ZERO
    return ratio(difference(ZERO, daily_pnl), day_start_equity)
