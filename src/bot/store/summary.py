"""A human-readable overview of a ledger (`bot ledger show`, the quick start's final print)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal

from bot.domain.account import Position
from bot.domain.foreign_orders import ForeignOrder
from bot.domain.money import canonical
from bot.domain.orders import Order, OrderStatus
from bot.store.db import Database
from bot.store.payloads import loads
from bot.store.projections import BALANCE_DRIFT_KEY
from bot.store.records import CycleRecord

DEFAULT_RECENT_CYCLES = 10


@dataclass(frozen=True, slots=True, kw_only=True)
class LedgerSummary:
    path: str
    schema_version: int
    event_count: int
    last_hash: str
    balances: Mapping[str, Decimal] = field(default_factory=dict)
    positions: Mapping[str, Position] = field(default_factory=dict)
    working_orders: tuple[Order, ...] = ()
    order_counts: Mapping[OrderStatus, int] = field(default_factory=dict)
    fill_count: int = 0
    recent_cycles: tuple[CycleRecord, ...] = ()  # newest first
    foreign_orders: tuple[ForeignOrder, ...] = ()  # open on the account, not placed by this ledger
    balance_drift: str | None = None  # the recorded drift freeze (canonical JSON), if any


def ledger_summary(database: Database, *, recent_cycles: int = DEFAULT_RECENT_CYCLES) -> LedgerSummary:
    """Read the summary from committed state (or the active unit of work's, if one is open)."""
    return LedgerSummary(
        path=database.path,
        schema_version=database.schema_version,
        event_count=database.events.count(),
        last_hash=database.events.last_hash(),
        balances=database.balances.all(),
        positions=database.positions.all(),
        working_orders=tuple(database.orders.working()),
        order_counts=database.orders.count_by_status(),
        fill_count=database.fills.count(),
        recent_cycles=tuple(database.cycles.recent(recent_cycles)),
        foreign_orders=tuple(database.foreign_orders.open()),
        balance_drift=database.state.get(BALANCE_DRIFT_KEY),
    )


def render_summary(summary: LedgerSummary) -> str:
    """Plain text, one section per concept: quantities and prices exact; realised PnL and fees (in
    the quote asset, computed to 28 digits) to 0.01 for reading. `summary_document` is exact."""
    lines = [
        f"Ledger {summary.path}",
        f"  schema {summary.schema_version}, {summary.event_count} events,"
        f" last hash {summary.last_hash[:16]}",
        "",
        *_balances(summary.balances),
        "",
        *_positions(summary.positions),
        "",
        *_orders(summary),
        *_foreign(summary.foreign_orders),
        _drift(summary.balance_drift),
        "",
        f"Fills: {summary.fill_count}",
        "",
        *_cycles(summary.recent_cycles),
    ]
    return "\n".join(lines) + "\n"


def _balances(balances: Mapping[str, Decimal]) -> list[str]:
    if not balances:
        return ["Balances: none"]
    width = max(len(canonical(total)) for total in balances.values())
    return ["Balances"] + [f"  {asset:<8} {canonical(total):>{width}}" for asset, total in balances.items()]


def _positions(positions: Mapping[str, Position]) -> list[str]:
    if not positions:
        return ["Positions: none"]
    lines = ["Positions"]
    for symbol, position in positions.items():
        lines.append(
            f"  {symbol:<10} quantity {canonical(position.quantity)}"
            f"  average cost {canonical(position.average_cost.quantize(Decimal('0.00000001')))}"
            f"  realized PnL {position.realized_pnl:.2f}  fees {position.fees_paid:.2f}"
        )
    return lines


def _orders(summary: LedgerSummary) -> list[str]:
    total = sum(summary.order_counts.values())
    counts = ", ".join(f"{status.value} {n}" for status, n in summary.order_counts.items())
    lines = [f"Orders: {total}" + (f" ({counts})" if counts else "")]
    if summary.working_orders:
        lines.append(f"Working orders ({len(summary.working_orders)})")
    for order in summary.working_orders:
        lines.append(
            f"  {order.client_order_id}  {order.symbol} {order.side.value} {canonical(order.quantity)}"
            f" @ {canonical(order.price)}  filled {canonical(order.filled_quantity)}  {order.status.value}"
        )
    return lines


def _foreign(orders: tuple[ForeignOrder, ...]) -> list[str]:
    if not orders:
        return ["Foreign open orders: none"]
    lines = [f"Foreign open orders ({len(orders)}): not placed by this ledger, counted against caps"]
    for order in orders:
        lines.append(
            f"  exchange id {order.exchange_order_id}  {order.symbol} {order.side.value}"
            f" {canonical(order.quantity)} @ {canonical(order.price)}"
            f"  client id {order.client_order_id or '-'}  seen at {order.seen_ms}"
        )
    return lines


def _drift(recorded: str | None) -> str:
    state = loads(recorded) if recorded is not None else {}
    drift = state.get("drift")
    if state.get("frozen") is not True or not isinstance(drift, dict):
        return "Balance drift: none beyond tolerance"
    assets = ", ".join(f"{asset} {value}" for asset, value in drift.items())
    return (
        f"Balance drift: new orders frozen (balance_drift) since {state.get('since_ms')}: ledger minus"
        f" exchange {assets}; see runbooks/exchange-and-ledger-disagree.md"
    )


def _cycles(cycles: tuple[CycleRecord, ...]) -> list[str]:
    if not cycles:
        return ["Cycles: none"]
    lines = [f"Last {len(cycles)} cycles (newest first)"]
    for cycle in cycles:
        duration = f"{cycle.duration_ms} ms" if cycle.duration_ms is not None else "-"
        profile = "/".join(part for part in (cycle.stage, cycle.mode) if part)
        counters = " ".join(f"{name}={value}" for name, value in sorted(cycle.counters.items()))
        lines.append(
            f"  #{cycle.cycle_id:<6} {cycle.status:<9} {duration:>9}  {profile}  {counters}".rstrip()
        )
    return lines


def summary_document(summary: LedgerSummary) -> dict[str, object]:
    """`bot ledger show --json`: the same overview as one JSON object. Decimals are strings in
    canonical form (exact), times are epoch milliseconds."""
    drift = loads(summary.balance_drift) if summary.balance_drift is not None else None
    return {
        "ledger": summary.path,
        "schema_version": summary.schema_version,
        "events": summary.event_count,
        "last_hash": summary.last_hash,
        "balances": {asset: canonical(total) for asset, total in summary.balances.items()},
        "positions": {
            symbol: {
                "quantity": canonical(p.quantity),
                "average_cost": canonical(p.average_cost),
                "realized_pnl": canonical(p.realized_pnl),
                "fees_paid": canonical(p.fees_paid),
            }
            for symbol, p in summary.positions.items()
        },
        "orders_by_status": {status.value: n for status, n in summary.order_counts.items()},
        "working_orders": [
            {
                "client_order_id": o.client_order_id,
                "exchange_order_id": o.exchange_order_id,
                "symbol": o.symbol,
                "side": o.side.value,
                "price": canonical(o.price),
                "quantity": canonical(o.quantity),
                "filled_quantity": canonical(o.filled_quantity),
                "status": o.status.value,
            }
            for o in summary.working_orders
        ],
        "foreign_open_orders": [
            {
                "exchange_order_id": o.exchange_order_id,
                "client_order_id": o.client_order_id,
                "symbol": o.symbol,
                "side": o.side.value,
                "price": canonical(o.price),
                "quantity": canonical(o.quantity),
                "seen_ms": o.seen_ms,
            }
            for o in summary.foreign_orders
        ],
        "balance_drift": drift if isinstance(drift, dict) and drift.get("frozen") is True else None,
        "fills": summary.fill_count,
        "recent_cycles": [
            {
                "cycle_id": c.cycle_id,
                "stage": c.stage,
                "mode": c.mode,
                "status": c.status,
                "started_ms": c.started_ms,
                "duration_ms": c.duration_ms,
                "max_data_age_ms": c.max_data_age_ms,
                "counters": dict(c.counters),
            }
            for c in summary.recent_cycles
        ],
    }
