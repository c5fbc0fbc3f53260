"""Read-side values the store returns that have no domain type of their own."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal


@dataclass(frozen=True, slots=True, kw_only=True)
class CycleRecord:
    """One cycle's row: status `running` until completed, then `ok`, `degraded` or `failed`."""

    cycle_id: int
    stage: str | None
    mode: str | None
    started_ms: int | None
    completed_ms: int | None
    duration_ms: int | None
    status: str
    counters: Mapping[str, int] = field(default_factory=dict)
    max_data_age_ms: int | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class DecisionRecord:
    """A stored risk decision (the DecisionRecorded payload, flattened)."""

    id: int
    cycle_id: int
    ts_ms: int
    action_key: str
    symbol: str
    side: str | None
    kind: str
    verdict: str
    reason_code: str
    layer: str
    price: Decimal | None
    requested_quantity: Decimal | None
    final_quantity: Decimal | None
    client_order_id: str | None
    rationale: str
    details: Mapping[str, str] = field(default_factory=dict)
