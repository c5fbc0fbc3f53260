"""Capital policy: a cash reserve that is never spent, and self-financing from realised PnL.

Trading starts from a seed. At each checkpoint the realised PnL since the last one is split: a gain
is shared between trading capital and a treasury that is never traded again; a loss comes out of
trading capital. Trading capital cannot go below zero, so a loss larger than what is left is
recorded as unabsorbed (it was paid from money outside trading capital). Order sizes and exposure
limits scale with trading capital / seed, so the bot grows only on its own profits and shrinks
with its losses.

Conservation, exact in every case (tested as a property):

    trading_capital_try + treasury_try - unabsorbed_losses_try == seed_try + realized_checkpoint_try

where realized_checkpoint_try is the realised PnL total at the last checkpoint (0 when seeded).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal, localcontext

from bot.domain.json_fields import decimal_field
from bot.domain.money import ZERO, canonical

# Enough digits that the split and the sums are exact for any TRY amount this bot sees.
_PRECISION = 60
_FIELDS = (
    "seed_try",
    "trading_capital_try",
    "treasury_try",
    "realized_checkpoint_try",
    "losses_try",
    "unabsorbed_losses_try",
)


@dataclass(frozen=True, slots=True, kw_only=True)
class CapitalPolicy:
    cash_reserve_try: Decimal  # free quote that is never spent
    treasury_ratio: Decimal  # share of each realised gain moved to the treasury, 0..1

    def __post_init__(self) -> None:
        if self.cash_reserve_try < 0:
            raise ValueError(f"cash_reserve_try: must be >= 0, got {self.cash_reserve_try}")
        if not ZERO <= self.treasury_ratio <= 1:
            raise ValueError(f"treasury_ratio: must be in 0..1, got {self.treasury_ratio}")


@dataclass(frozen=True, slots=True, kw_only=True)
class CapitalState:
    """Persisted between cycles."""

    seed_try: Decimal  # > 0
    trading_capital_try: Decimal  # >= 0
    treasury_try: Decimal  # >= 0
    realized_checkpoint_try: Decimal  # realised PnL total at the last checkpoint
    losses_try: Decimal  # every realised loss so far, >= 0
    unabsorbed_losses_try: Decimal = ZERO  # the part of losses_try trading capital could not cover

    def __post_init__(self) -> None:
        if self.seed_try <= 0:
            raise ValueError(f"seed_try: must be > 0, got {self.seed_try}")
        for name in _FIELDS[1:]:
            if name != "realized_checkpoint_try" and getattr(self, name) < 0:
                raise ValueError(f"{name}: must be >= 0, got {getattr(self, name)}")
        if self.unabsorbed_losses_try > self.losses_try:
            raise ValueError("unabsorbed_losses_try: must be <= losses_try")

    @classmethod
    def seeded(cls, seed_try: Decimal) -> CapitalState:
        """A fresh start: all of the seed is trading capital, nothing realised yet."""
        return cls(
            seed_try=seed_try,
            trading_capital_try=seed_try,
            treasury_try=ZERO,
            realized_checkpoint_try=ZERO,
            losses_try=ZERO,
        )

    def to_json(self) -> dict[str, object]:
        return {name: canonical(getattr(self, name)) for name in _FIELDS}

    @classmethod
    def from_json(cls, data: Mapping[str, object]) -> CapitalState:
        """Raises ValueError (StateFieldError for a missing or malformed field) naming the field."""
        return cls(**{name: decimal_field(data, name) for name in _FIELDS})


def checkpoint(state: CapitalState, realized_pnl_total: Decimal, policy: CapitalPolicy) -> CapitalState:
    """Apply the realised PnL since the last checkpoint.

    `realized_pnl_total` is the ledger's cumulative realised PnL (after fees), in TRY. Calling
    again with the same total changes nothing.
    """
    with localcontext() as ctx:
        ctx.prec = _PRECISION
        delta = realized_pnl_total - state.realized_checkpoint_try
        trading, treasury = state.trading_capital_try, state.treasury_try
        losses, unabsorbed = state.losses_try, state.unabsorbed_losses_try
        if delta > 0:
            to_treasury = delta * policy.treasury_ratio
            treasury += to_treasury
            trading += delta - to_treasury
        elif delta < 0:
            loss = -delta
            absorbed = min(loss, trading)
            trading -= absorbed
            losses += loss
            unabsorbed += loss - absorbed
        return CapitalState(
            seed_try=state.seed_try,
            trading_capital_try=trading,
            treasury_try=treasury,
            realized_checkpoint_try=realized_pnl_total,
            losses_try=losses,
            unabsorbed_losses_try=unabsorbed,
        )


def scale(state: CapitalState) -> Decimal:
    """trading_capital / seed, >= 0: the factor exposure and per-order limits are multiplied by."""
    return state.trading_capital_try / state.seed_try


def spendable_try(state: CapitalState, free_quote_try: Decimal, policy: CapitalPolicy) -> Decimal:
    """The most of `free_quote_try` new buys may use, >= 0.

    Never dips into the cash reserve or the treasury (both are held as free quote in the same
    account), and never exceeds trading capital. How much trading capital is already deployed in
    positions and working orders is the caller's to subtract.
    """
    room = free_quote_try - policy.cash_reserve_try - state.treasury_try
    return max(ZERO, min(room, state.trading_capital_try))
