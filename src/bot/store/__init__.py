"""The SQLite ledger: one connection per process, migrations, the unit of work, the hash-chained
event log, projections, repositories, `ledger verify` and `ledger show` (ADR 0001).
"""

from bot.store.db import Database
from bot.store.errors import DatabaseTooNew, StoreError
from bot.store.records import CycleRecord, DecisionRecord
from bot.store.summary import LedgerSummary, ledger_summary, render_summary
from bot.store.unit_of_work import UnitOfWork
from bot.store.verify import VerifyReport, verify_ledger

__all__ = [
    "CycleRecord",
    "Database",
    "DatabaseTooNew",
    "DecisionRecord",
    "LedgerSummary",
    "StoreError",
    "UnitOfWork",
    "VerifyReport",
    "ledger_summary",
    "render_summary",
    "verify_ledger",
]
