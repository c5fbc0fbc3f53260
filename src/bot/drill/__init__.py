"""Deterministic failure drills: the daemon's own cycle against an in-process simulator, on time
only the drill moves, with a seeded fault schedule, and a verdict per expected outcome.

`bot drill list`, `bot drill run NAME|all`; what each drill proves: runbooks/drills.md.
"""

from bot.drill.catalogue import DRILLS, Drill
from bot.drill.verdict import Check, DrillResult

__all__ = ["DRILLS", "Check", "Drill", "DrillResult"]
