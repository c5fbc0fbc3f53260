"""A drill's verdict: one row per expected outcome, with what was observed."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Check:
    expected: str  # what must hold, in words
    observed: str  # what the run showed, with the numbers
    ok: bool


@dataclass(frozen=True, slots=True)
class DrillResult:
    name: str
    checks: tuple[Check, ...]
    fingerprint: str  # the parity fingerprint of the drill's ledger(s): bot.store.parity
    cycles: int
    wall_s: float

    @property
    def ok(self) -> bool:
        return all(check.ok for check in self.checks)

    def as_json(self) -> dict[str, object]:
        return {
            "drill": self.name,
            "ok": self.ok,
            "cycles": self.cycles,
            "wall_s": self.wall_s,
            "fingerprint": self.fingerprint,
            "checks": [{"expected": c.expected, "observed": c.observed, "ok": c.ok} for c in self.checks],
        }
