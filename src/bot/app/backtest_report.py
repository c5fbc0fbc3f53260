"""What a backtest did, computed from its ledger alone: the report `bot backtest` prints and writes.

Money comes from the ledger's fills and its recorded valuations (exact Decimals, written as
strings); the statistics over the equity curve (returns, drawdown, Sharpe, Sortino) are floats, as
statistics are. Definitions, so two reports compare:
- **return**: last equity / first equity − 1, both as the stage valued them (stages 4 and 7).
- **buy and hold**: the opening quote balance spread equally over the universe's symbols at the
  first cycle's marks and held, against the same first equity.
- **drawdown**: the deepest fall from a running peak of equity, and the most consecutive cycles
  spent strictly below a previous peak.
- **Sharpe / Sortino**: over per-cycle returns (the period is the replay's step), mean over the
  standard deviation (of all / of the negative returns), not annualised: the period is stated.
- **round trips**: a position per symbol opened from flat and closed back to flat (a remainder
  worth less than the pair's minimum order counts as flat, as the strategy treats it); a round
  trip wins when its realised PnL (average cost, fees included) is positive.
- **exposure**: the share of cycles that ended holding any position; **turnover**: traded notional
  over the average equity.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal, localcontext

from bot.domain.money import canonical
from bot.store import Database
from bot.store.parity import fingerprint
from bot.store.payloads import loads
from bot.store.views import decisions, fills, modes, valuations

ZERO = Decimal(0)


@dataclass(slots=True)
class _Book:
    quantity: Decimal = ZERO
    cost: Decimal = ZERO
    realised: Decimal = ZERO
    trip_realised: Decimal = ZERO
    opened_ms: int | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class Trades:
    fills: int
    buys: int
    sells: int
    fees: Decimal
    notional: Decimal
    round_trips: int
    wins: int
    hold_ms: list[int] = field(default_factory=list)
    realised_by_symbol: dict[str, Decimal] = field(default_factory=dict)
    fills_by_symbol: dict[str, int] = field(default_factory=dict)


def trade_stats(rows: Sequence[dict[str, object]], dust: Mapping[str, Decimal] | None = None) -> Trades:
    """Round trips, wins, fees and notional from the fills (oldest first), by average cost. A
    position worth less than `dust[symbol]` (the pair's minimum order) after a sell is flat, as
    the strategy treats it: that sell closes the round trip."""
    dust = dust or {}
    books: dict[str, _Book] = {}
    buys = sells = trips = wins = 0
    fees = notional = ZERO
    holds: list[int] = []
    by_symbol: dict[str, int] = {}
    with localcontext() as ctx:
        ctx.prec = 60
        for row in rows:
            symbol, side = str(row["symbol"]), str(row["side"])
            price, qty = Decimal(str(row["price"])), Decimal(str(row["quantity"]))
            fee = Decimal(str(row["fee"])) + Decimal(str(row["tax"]))
            ts = int(str(row["ts_ms"]))
            book = books.setdefault(symbol, _Book())
            by_symbol[symbol] = by_symbol.get(symbol, 0) + 1
            fees, notional = fees + fee, notional + price * qty
            if side == "buy":
                buys += 1
                if book.opened_ms is None:
                    book.opened_ms, book.trip_realised = ts, ZERO
                book.quantity, book.cost = book.quantity + qty, book.cost + price * qty + fee
                continue
            sells += 1
            if book.quantity <= 0:
                continue  # a sell of an opening holding: no round trip of this run to close
            sold = min(qty, book.quantity)
            average = book.cost / book.quantity
            gain = (price - average) * sold - fee
            book.realised += gain
            book.trip_realised += gain
            book.cost -= average * sold
            book.quantity -= sold
            if book.quantity * price < dust.get(symbol, ZERO) or book.quantity == 0:
                trips += 1
                wins += book.trip_realised > 0
                if book.opened_ms is not None:
                    holds.append(ts - book.opened_ms)
                book.opened_ms = None  # the dust left, if any, rides into the next trip
    return Trades(
        fills=len(rows),
        buys=buys,
        sells=sells,
        fees=fees,
        notional=notional,
        round_trips=trips,
        wins=wins,
        hold_ms=holds,
        realised_by_symbol={s: b.realised for s, b in sorted(books.items())},
        fills_by_symbol=dict(sorted(by_symbol.items())),
    )


def curve_stats(equity: Sequence[tuple[int, int, Decimal]]) -> dict[str, object]:
    """Return, drawdown, Sharpe and Sortino over the (cycle_id, ts_ms, equity) curve."""
    if len(equity) < 2 or equity[0][2] <= 0:
        return {"periods": len(equity)}
    values = [float(e) for _, _, e in equity]
    returns = [b / a - 1 for a, b in itertools.pairwise(values) if a > 0]
    peak, peak_at, deepest, longest, below_since = values[0], 0, 0.0, 0, None
    for index, value in enumerate(values):
        if value >= peak:
            peak, peak_at = value, index
            if below_since is not None:
                longest = max(longest, index - below_since - 1)  # the cycles strictly below
                below_since = None
        else:
            deepest = max(deepest, (peak - value) / peak)
            below_since = peak_at if below_since is None else below_since
    if below_since is not None:
        longest = max(longest, len(values) - 1 - below_since)
    mean = sum(returns) / len(returns) if returns else 0.0
    deviation = math.sqrt(sum((r - mean) ** 2 for r in returns) / len(returns)) if returns else 0.0
    downside = math.sqrt(sum(min(r, 0.0) ** 2 for r in returns) / len(returns)) if returns else 0.0
    step_ms = (equity[-1][1] - equity[0][1]) / (len(equity) - 1)
    return {
        "periods": len(returns),
        "period_ms": round(step_ms),
        "total_return": values[-1] / values[0] - 1,
        "max_drawdown": deepest,
        "max_drawdown_cycles": longest,
        "sharpe_per_period": mean / deviation if deviation else None,
        "sortino_per_period": mean / downside if downside else None,
    }


@dataclass(frozen=True, slots=True)
class Recorded:
    """A backtest's fills (oldest first) and valuations, read once for the report and the CSVs."""

    fills: list[dict[str, object]]
    curve: list[tuple[int, int, dict[str, object]]]


def read_recorded(database: Database) -> Recorded:
    with database.read():
        return Recorded(fills=list(reversed(fills(database, limit=10**9))), curve=valuations(database))


def build_report(
    database: Database,
    recorded: Recorded,
    *,
    universe: Sequence[str],
    quote: str,
    min_notional: Mapping[str, Decimal] | None = None,
) -> dict[str, object]:
    """The report of the backtest recorded in `database` (see the module docstring)."""
    fill_rows, curve = recorded.fills, recorded.curve
    with database.read():
        decision_rows = decisions(database, limit=1000)
        mode_rows = list(reversed(modes(database, limit=10**6)))
        cycles = database.connection.execute(
            "SELECT COUNT(*), MIN(started_ms), MAX(completed_ms),"
            " SUM(status = 'ok'), SUM(status = 'degraded'), SUM(status = 'failed') FROM cycles"
        ).fetchone()
        opening = database.connection.execute(
            "SELECT payload FROM events WHERE type = 'BalancesSeeded' ORDER BY seq LIMIT 1"
        ).fetchone()
    trades = trade_stats(fill_rows, min_notional)
    equity = [(c, ts, Decimal(str(v["equity"]))) for c, ts, v in curve]
    report: dict[str, object] = {
        "cycles": {
            "total": cycles[0],
            "ok": cycles[3] or 0,
            "degraded": cycles[4] or 0,
            "failed": cycles[5] or 0,
            "first_ms": cycles[1],
            "last_ms": cycles[2],
        },
        "trades": {
            "fills": trades.fills,
            "buys": trades.buys,
            "sells": trades.sells,
            "round_trips": trades.round_trips,
            "win_rate": trades.wins / trades.round_trips if trades.round_trips else None,
            "average_hold_ms": round(sum(trades.hold_ms) / len(trades.hold_ms)) if trades.hold_ms else None,
            "fees_and_taxes": canonical(trades.fees),
            "notional": canonical(trades.notional),
        },
        "by_symbol": {
            symbol: {"fills": n, "realised_pnl": canonical(trades.realised_by_symbol.get(symbol, ZERO))}
            for symbol, n in trades.fills_by_symbol.items()
        },
        "decisions": decision_rows,
        "mode_transitions": mode_rows,
        "fingerprint": fingerprint(database).digest,
    }
    if equity:
        first, last = curve[0][2], curve[-1][2]
        stats = curve_stats(equity)
        report["equity"] = {
            "quote_asset": quote,
            "first": canonical(equity[0][2]),
            "last": canonical(equity[-1][2]),
            "realised_pnl": str(last.get("realized_pnl")),
            "buy_and_hold_return": _buy_and_hold(opening, first, last, universe, quote),
            "exposure": _exposure(curve, fill_rows, _opening(opening), quote),
            "turnover": _turnover(trades.notional, equity),
            **stats,
        }
    return report


def _turnover(notional: Decimal, equity: Sequence[tuple[int, int, Decimal]]) -> float | None:
    average = sum(float(e) for _, _, e in equity) / len(equity)
    return float(notional) / average if average > 0 else None


def _opening(row: tuple[str] | None) -> dict[str, Decimal]:
    if row is None:
        return {}
    balances = loads(row[0])["balances"]
    assert isinstance(balances, dict)
    return {asset: Decimal(str(amount)) for asset, amount in balances.items()}


def _buy_and_hold(
    opening: tuple[str] | None,
    first: dict[str, object],
    last: dict[str, object],
    universe: Sequence[str],
    quote: str,
) -> float | None:
    cash = _opening(opening).get(quote, ZERO)
    first_marks, last_marks = first.get("marks") or {}, last.get("marks") or {}
    assert isinstance(first_marks, dict) and isinstance(last_marks, dict)
    held = [s for s in universe if s in first_marks and s in last_marks]
    if not held or cash <= 0:
        return None
    share = cash / len(held)
    value = sum((share / Decimal(str(first_marks[s])) * Decimal(str(last_marks[s])) for s in held), ZERO)
    return float(value / cash - 1)


def _exposure(
    curve: Sequence[tuple[int, int, dict[str, object]]],
    fill_rows: Sequence[dict[str, object]],
    opening: dict[str, Decimal],
    quote: str,
) -> float:
    """The share of valued cycles that held any base asset (opening holdings included)."""
    held = {asset: amount for asset, amount in opening.items() if asset != quote}
    pending = iter(fill_rows)
    upcoming = next(pending, None)
    holding = 0
    for _, valued_ms, _ in curve:
        while upcoming is not None and int(str(upcoming["ts_ms"])) <= valued_ms:
            symbol = str(upcoming["symbol"])
            base = symbol[: -len(quote)] if symbol.endswith(quote) else symbol
            qty = Decimal(str(upcoming["quantity"]))
            held[base] = held.get(base, ZERO) + (qty if upcoming["side"] == "buy" else -qty)
            upcoming = next(pending, None)
        holding += any(amount > 0 for amount in held.values())
    return holding / len(curve) if curve else 0.0
