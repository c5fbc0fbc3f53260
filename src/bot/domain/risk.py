"""Risk modes, shared by the risk budget, anomaly degrade levels and the checks that obey them."""

from __future__ import annotations

from enum import StrEnum


class RiskMode(StrEnum):
    """How much the cycle may do. Stricter modes allow a subset of what looser ones allow.

    NORMAL: any order the other checks approve. REDUCE: only orders that reduce a position
    (sells of held base). OBSERVE: no new orders at all; cancels are still allowed.
    """

    NORMAL = "normal"
    REDUCE = "reduce"
    OBSERVE = "observe"

    @property
    def strictness(self) -> int:
        return _STRICTNESS[self]

    def stricter(self, other: RiskMode) -> RiskMode:
        """The stricter of the two modes (the one that allows less)."""
        return self if self.strictness >= other.strictness else other

    def looser_by_one(self) -> RiskMode:
        """The next looser mode: OBSERVE -> REDUCE -> NORMAL (NORMAL stays)."""
        return _LOOSER[self]


_STRICTNESS = {RiskMode.NORMAL: 0, RiskMode.REDUCE: 1, RiskMode.OBSERVE: 2}
_LOOSER = {
    RiskMode.NORMAL: RiskMode.NORMAL,
    RiskMode.REDUCE: RiskMode.NORMAL,
    RiskMode.OBSERVE: RiskMode.REDUCE,
}
