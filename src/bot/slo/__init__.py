"""Service level objectives: what "healthy" means for a running bot, measured from its ledger.

`catalogue` names each SLO with its threshold and the operator's action; `evaluate` judges a
window of recorded cycles against them. Both are pure: `bot.app.doctor` reads the ledger and the
configuration, and `bot doctor` prints the verdict. runbooks/slo.md is the operator's side.
"""

from bot.slo.catalogue import SLO_NAMES, SloSpec, SloThresholds, catalogue
from bot.slo.evaluate import CycleSample, SloResult, Status, evaluate

__all__ = [
    "SLO_NAMES",
    "CycleSample",
    "SloResult",
    "SloSpec",
    "SloThresholds",
    "Status",
    "catalogue",
    "evaluate",
]
