"""What a drill's run did, read back from its ledger and from the exchange's own books.

The ledger is read like any other (read-only, one snapshot); the exchange's side is the
simulator's matching engine, the ground truth a real exchange never lets one see whole.
"""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from bot.app.doctor import cycle_sample, judge
from bot.drill.harness import API_KEY, Played
from bot.slo import SloResult
from bot.slo.evaluate import CycleSample, Window
from bot.store import Database
from bot.store.parity import fingerprint

# Ledger states that say the exchange has (or had) the order.
_PLACED = frozenset({"open", "partially_filled", "filled", "cancel_requested", "canceled"})


@dataclass(frozen=True, slots=True)
class LedgerOrder:
    client_order_id: str
    status: str
    filled: Decimal
    cycle_id: int | None


@dataclass(frozen=True, slots=True)
class Observed:
    samples: tuple[CycleSample, ...]  # every cycle, oldest first
    events: tuple[tuple[str, dict[str, Any]], ...]  # (type, payload), ledger order
    orders: dict[str, LedgerOrder]  # by client order id
    fill_ids: frozenset[str]
    fingerprint: str

    def of(self, kind: str) -> list[dict[str, Any]]:
        return [payload for event_type, payload in self.events if event_type == kind]

    def modes(self, source: str | None = None) -> list[str]:
        """The risk modes in the order they were entered, starting from the first; of one
        `source` (the budget, the anomaly governor) or of all."""
        changes = [c for c in self.of("RiskModeChanged") if source is None or c["source"] == source]
        return [changes[0]["from_mode"], *(c["to_mode"] for c in changes)] if changes else []

    def mode_paths(self) -> str:
        """'budget: normal -> reduce -> normal; anomaly: ...', or 'no transition'."""
        sources = dict.fromkeys(c["source"] for c in self.of("RiskModeChanged"))
        return "; ".join(f"{s}: {' -> '.join(self.modes(s))}" for s in sources) or "no transition"

    def cycles_between(self, first_ms: int, end_ms: int) -> list[CycleSample]:
        return [s for s in self.samples if first_ms <= s.started_ms < end_ms]


def observe(played: Played) -> Observed:
    with Database.open_readonly(played.ledger) as database:
        conn = database.connection
        events = tuple(
            (t, json.loads(p)) for t, p in conn.execute("SELECT type, payload FROM events ORDER BY seq")
        )
        orders = {
            row[0]: LedgerOrder(
                client_order_id=row[0], status=row[1], filled=Decimal(row[2]), cycle_id=row[3]
            )
            for row in conn.execute("SELECT client_order_id, status, filled_quantity, cycle_id FROM orders")
        }
        fill_ids = frozenset(row[0] for row in conn.execute("SELECT trade_id FROM fills"))
        with database.read() as view:
            records = view.cycles.since(0)
        digest = fingerprint(database).digest
    # Completed cycles only: a cycle a crash cut short has no verdict of its own.
    samples = tuple(
        cycle_sample(r) for r in records if r.started_ms is not None and r.completed_ms is not None
    )
    return Observed(samples=samples, events=events, orders=orders, fill_ids=fill_ids, fingerprint=digest)


def slos(played: Played, samples: list[CycleSample]) -> dict[str, SloResult]:
    """The SLO verdicts over `samples`, judged as `bot doctor` judges a window, by name."""
    end_ms = (samples[-1].completed_ms or samples[-1].started_ms) if samples else 0
    window = Window(
        samples=samples,
        now_ms=end_ms,
        data_age_limit_ms=played.settings.market_data.max_age_ms,
        live_clock=False,
    )
    return {r.spec.name: r for r in judge(window, played.settings)}


def ledger_against_exchange(played: Played, observed: Observed) -> list[str]:
    """Where the ledger and the exchange disagree, as of the last cycle's start (what the ledger
    can know): orders the exchange holds that the ledger lost, client ids placed twice, fills on
    one side only, orders whose status or filled quantity differ. Empty when they agree."""
    engine = played.exchange.engine
    as_of_ms = observed.samples[-1].started_ms if observed.samples else 0
    problems: list[str] = []
    exchange_orders = engine.orders(API_KEY)
    placed = Counter(o.client_order_id for o in exchange_orders)
    problems += [f"{cid} placed {n} times" for cid, n in sorted(placed.items(), key=str) if n > 1]
    for order in exchange_orders:
        cid = order.client_order_id or ""
        mine = observed.orders.get(cid)
        if mine is None:
            problems.append(f"exchange order {order.order_id} ({cid}) is not in the ledger")
            continue
        if order.updated_ms >= as_of_ms:
            continue  # changed after the last reconcile could have seen it
        if mine.filled != order.filled_quantity:
            problems.append(
                f"{cid}: filled {mine.filled} in the ledger, {order.filled_quantity} on the exchange"
            )
        if order.is_open != (mine.status in ("open", "partially_filled", "cancel_requested")):
            problems.append(f"{cid}: {mine.status} in the ledger, {order.status} on the exchange")
    placed_ids = set(placed)
    for cid, mine in sorted(observed.orders.items()):
        if mine.status in _PLACED and cid not in placed_ids:
            problems.append(f"{cid}: {mine.status} in the ledger, unknown to the exchange")
    exchange_fills = {str(t.trade_id) for t in engine.trades(API_KEY) if t.ts_ms < as_of_ms}
    every_exchange_fill = {str(t.trade_id) for t in engine.trades(API_KEY)}
    problems += [
        f"fill {trade} on the exchange is not in the ledger"
        for trade in sorted(exchange_fills - observed.fill_ids)
    ]
    problems += [
        f"fill {trade} in the ledger is not on the exchange"
        for trade in sorted(observed.fill_ids - every_exchange_fill)
    ]
    return problems
