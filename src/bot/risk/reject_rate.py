"""The exchange reject rate: rejected submits over every submit the exchange answered.

A submit the exchange answered was either accepted or rejected, so the rate is
rejected / (accepted + rejected), always in [0, 1]. Dividing by the accepted ones instead reads
one accepted and one rejected submit as 100 % and a run of nothing but rejects as 0 %. A submit
whose outcome is still uncertain is in neither count until it is resolved. A rate over a handful
of submits says nothing, so below a minimum count there is no rate at all, and nothing can trip
on it.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal


@dataclass(frozen=True, slots=True, kw_only=True)
class SubmitOutcomes:
    """How many submits the exchange accepted and rejected (over some window of cycles)."""

    accepted: int
    rejected: int

    def __post_init__(self) -> None:
        for name in ("accepted", "rejected"):
            if getattr(self, name) < 0:
                raise ValueError(f"{name}: must be >= 0, got {getattr(self, name)}")

    @property
    def submitted(self) -> int:
        return self.accepted + self.rejected

    def __add__(self, other: SubmitOutcomes) -> SubmitOutcomes:
        return SubmitOutcomes(
            accepted=self.accepted + other.accepted, rejected=self.rejected + other.rejected
        )


NO_SUBMITS = SubmitOutcomes(accepted=0, rejected=0)


def reject_rate(outcomes: SubmitOutcomes, *, min_submits: int) -> Decimal | None:
    """rejected / submitted, in [0, 1]; None while fewer than `min_submits` (>= 1) were submitted.

    Raises ValueError for `min_submits` < 1 (a rate over no submits is undefined).
    """
    if min_submits < 1:
        raise ValueError(f"min_submits: must be >= 1, got {min_submits}")
    if outcomes.submitted < min_submits:
        return None
    return Decimal(outcomes.rejected) / Decimal(outcomes.submitted)
