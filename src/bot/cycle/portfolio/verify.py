"""The accounting half of `bot ledger verify`: redo every portfolio cycle's valuation from the log.

Walks the events once, in order. The opening balances (BalancesSeeded) and the fills
(OrderFilled) so far, with the marks a cycle recorded (`portfolio.valuation`), rebuild that
cycle's books through the same `RunningBooks` and `value` the cycle used; its equity and realised
PnL must match what it recorded to the last digit. Stepping the equity state it started from
(`portfolio.equity` before the cycle) with that equity must give the state it left (peak, day
start and start-of-day equity: drawdown and daily PnL follow from them). Finally the balances
the books give must equal the ledger's balance projection, which is computed by separate code.

A cycle without a mark for a symbol values it at the last known one (`carried_marks`): each
must be exactly the mark the previous record knew for it, with that mark's time, so a carried
mark cannot be made up. The holdings valued at one and those whose last mark was too old
(`incomplete`) must be what the fills and marks give. An incomplete valuation must leave
`portfolio.equity` as it was: a valuation that left out a holding and still moved the peak, the
day or its start is reported (that is how a phantom loss would reach the drawdown).

Cycles are checked one by one against the state each started from, so a ledger whose first
portfolio cycles predate valuation records is still checked from the first record on.

`AccountingVerifier` does this as an observer of `bot ledger verify`'s one pass over the log
(`bot.store.verify`), each event parsed once for both checks. It keeps no event: the fills before
the first valuation record (all of them in a ledger without portfolio cycles) are read back
from the log only when that record comes; after it the books keep them, as the stage does.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal

from bot.accounting import Books, EquityState, Mark, Valuation, track_equity, value
from bot.accounting.exact import exact_text
from bot.accounting.marks import carried_marks
from bot.accounting.running import RunningBooks
from bot.cycle.portfolio.books import TradedPair
from bot.cycle.portfolio.memory import KEYS, OpeningPrices
from bot.cycle.portfolio.valuation import KEY as VALUATION_KEY
from bot.cycle.portfolio.valuation import ValuationRecord
from bot.domain.events import EventType
from bot.domain.money import ZERO
from bot.domain.orders import Fill
from bot.risk.kill_switch import AUTO_PREFIX, RULE_HARD_DRAWDOWN
from bot.store import Database, StoreError
from bot.store.event_log import iterate, rows_of_type
from bot.store.ledger_events import BalancesSeeded, OrderFilled, StateChanged
from bot.store.payloads import Fields, Payload, loads

MAX_PROBLEMS = 20
_CYCLE_STARTED = EventType.CYCLE_STARTED.value
_BALANCES_SEEDED = EventType.BALANCES_SEEDED.value
_ORDER_FILLED = EventType.ORDER_FILLED.value
_STATE_CHANGED = EventType.STATE_CHANGED.value
_RISK_MODE_CHANGED = EventType.RISK_MODE_CHANGED.value
_KILL_SWITCH_CHANGED = EventType.KILL_SWITCH_CHANGED.value
# Events a cycle records from what its equity says: none may follow an incomplete valuation.
_READ_FROM_EQUITY = frozenset({_RISK_MODE_CHANGED, _KILL_SWITCH_CHANGED})
# The only events the walk reads; the others pass by untouched.
_READ = frozenset({_CYCLE_STARTED, _BALANCES_SEEDED, _ORDER_FILLED, _STATE_CHANGED, *_READ_FROM_EQUITY})
EQUITY_KEY = KEYS["equity"]


@dataclass(slots=True, kw_only=True)
class AccountingCheck:
    cycles: int = 0
    problems: list[str] = field(default_factory=list)
    last: ValuationRecord | None = None
    last_state: EquityState | None = None

    @property
    def ok(self) -> bool:
        return not self.problems

    def problem(self, text: str) -> None:
        if len(self.problems) < MAX_PROBLEMS:
            self.problems.append(text)


@dataclass(slots=True)
class _Walk:
    check: AccountingCheck
    opening_prices: Mapping[str, Decimal]
    # The fills of the events through a seq, read back from the log when the books first need them.
    fills_through: Callable[[int], list[Fill]]
    seq: int = 0  # the event being walked
    opening: dict[str, Decimal] = field(default_factory=dict)
    seeded: bool = False
    new_fills: list[Fill] = field(default_factory=list)  # since the books last read them
    pairs: dict[str, TradedPair] = field(default_factory=dict)
    running: RunningBooks | None = None
    state: EquityState | None = None  # portfolio.equity as recorded so far
    # The state the last revalued cycle must leave, and its valuation.
    pending: tuple[ValuationRecord, EquityState | None, Valuation] | None = None
    valued: bool = False  # a valuation was recorded since the last equity state
    known: dict[str, Mark] = field(default_factory=dict)  # the marks the last record knew
    incomplete: ValuationRecord | None = None  # this cycle's valuation, if it was incomplete

    def event(self, seq: int, event_type: str, payload: Payload) -> None:
        self.seq = seq
        if event_type not in _READ:
            return
        if event_type == _CYCLE_STARTED:
            self.incomplete = None
        elif event_type in _READ_FROM_EQUITY and self.incomplete is not None:
            self.no_loss_read(seq, event_type, payload, self.incomplete.cycle_id)
        if event_type == _BALANCES_SEEDED and not self.seeded:  # the first seed holds
            self.opening = dict(BalancesSeeded.parse(Fields(event_type, payload)).balances)
            self.seeded = True
        elif event_type == _ORDER_FILLED:
            filled = _filled(Fields(event_type, payload))  # read now: a bad fill is reported at its place
            if self.running is not None:  # before, the books read it back when they open
                self.new_fills.append(filled.fill)
            self.pairs[filled.fill.symbol] = TradedPair(filled.base, filled.quote)
        elif event_type == _STATE_CHANGED:
            key = str(payload.get("key"))
            if key == VALUATION_KEY:
                self.settle()
                self.valued = True  # even if it cannot be read: that is reported on its own
                self.revalue(ValuationRecord.from_json(_document(payload)), seq)
            elif key == EQUITY_KEY:
                self.state = EquityState.from_json(_document(payload))
                valued, self.valued = self.valued, False
                if not valued and self.check.cycles:
                    # A cycle records its valuation just before its equity state; one without is
                    # a change no cycle computed (and the later cycles would build on it).
                    self.check.problem(
                        f"events[seq={seq}]: portfolio.equity changed outside a portfolio cycle"
                    )
                self.settle()

    def revalue(self, recorded: ValuationRecord, seq: int) -> None:
        self.check.cycles += 1
        self.check.last = recorded
        where = f"cycle {recorded.cycle_id} (events[seq={seq}])"
        try:
            books = self.books(recorded)
        except ValueError as error:
            self.check.problem(f"{where}: the fills cannot be accounted: {error}")
            return
        self.check_carried(recorded, where)
        self.known = recorded.known_marks()
        valuation = value(books, recorded.marks, recorded.carry())
        for name, got, expected in (
            ("equity", exact_text(recorded.equity), exact_text(valuation.equity)),
            ("realised PnL", exact_text(recorded.realized_pnl), exact_text(valuation.realized_pnl)),
            (
                "holdings valued at carried marks",
                _names(recorded.valued_at_carried),
                _names(valuation.carried_marks),
            ),
            (
                "holdings left out for too old a mark",
                _names(recorded.incomplete),
                _names(valuation.stale_marks),
            ),
        ):
            if got != expected:
                self.check.problem(f"{where}: recorded {name} {got}, the fills and its marks give {expected}")
        self.incomplete = None if valuation.complete else recorded
        after = self.state  # an incomplete valuation moves nothing
        if valuation.complete:
            after, _ = track_equity(
                self.state,
                valuation.equity,
                recorded.now_ms,
                day_boundary_offset_ms=recorded.day_boundary_offset_ms,
            )
        self.pending = (recorded, after, valuation)

    def no_loss_read(self, seq: int, event_type: str, payload: Mapping[str, object], cycle: int) -> None:
        """In `cycle`, whose valuation was incomplete, the risk budget must not move and the kill
        switch must not trip on the drawdown: both would be reading a loss from missing marks."""
        where = f"events[seq={seq}]"
        if event_type == _RISK_MODE_CHANGED and payload.get("source") == "budget":
            moved = f"{payload.get('from_mode')} -> {payload.get('to_mode')} ({payload.get('causes')})"
            self.check.problem(
                f"{where}: cycle {cycle} moved the risk budget {moved} on an incomplete valuation"
            )
        switch = payload.get("switch")
        if event_type == _KILL_SWITCH_CHANGED and isinstance(switch, Mapping):
            reason = switch.get("reason")
            if switch.get("source") == AUTO_PREFIX + RULE_HARD_DRAWDOWN:
                self.check.problem(
                    f"{where}: cycle {cycle} tripped the kill switch on its drawdown ({reason}) although"
                    " its valuation was incomplete"
                )

    def check_carried(self, recorded: ValuationRecord, where: str) -> None:
        """A carried mark must be the last one the previous record knew, price and time."""
        if recorded.carried_marks is None:  # recorded before marks were carried
            return
        expected = carried_marks(self.known, recorded.marks)
        if dict(recorded.carried_marks) != expected:
            self.check.problem(
                f"{where}: recorded carried marks {_marks_text(recorded.carried_marks)}, the last"
                f" known marks are {_marks_text(expected)}"
            )

    def settle(self) -> None:
        """Compare the state the last revalued cycle should have left with the one recorded."""
        if self.pending is None:
            return
        recorded, expected, valuation = self.pending
        self.pending = None
        if self.state == expected:
            return
        if not valuation.complete:
            ages = ", ".join(f"{s} mark {age}ms old" for s, age in valuation.stale_marks.items())
            self.check.problem(
                f"cycle {recorded.cycle_id}: its valuation was incomplete ({ages}) but moved"
                f" portfolio.equity to {_state_text(self.state)}; it must stay {_state_text(expected)}"
            )
            return
        self.check.problem(
            f"cycle {recorded.cycle_id}: portfolio.equity recorded {_state_text(self.state)},"
            f" its equity gives {_state_text(expected)}"
        )

    def books(self, recorded: ValuationRecord) -> Books:
        """The books as the cycle that recorded `recorded` built them: every fill so far, in
        the fills repository's order, through the same running books the cycle keeps."""
        pairs = {s: TradedPair(asset, recorded.quote_asset) for asset, s in recorded.asset_symbols.items()}
        pairs.update(self.pairs)
        if self.running is None:
            self.running = RunningBooks(
                quote_asset=recorded.quote_asset,
                opening_balances=self.opening,
                opening_prices=self.opening_prices,
            )
            self.new_fills = self.fills_through(self.seq)
        fills, self.new_fills = self.new_fills, []
        self.running.add(fills, pairs)
        return self.running.books()


class AccountingVerifier:
    """The accounting check as an observer of `bot ledger verify`'s one pass over the log
    (`bot.store.verify.EventObserver`); `check` holds what it found once the pass has ended."""

    def __init__(self) -> None:
        self.check = AccountingCheck()
        self._walk: _Walk | None = None

    def begin(self, database: Database) -> None:
        connection = database.connection
        self._walk = _Walk(
            check=self.check,
            opening_prices=_opening_prices(database),
            fills_through=lambda seq: _fills_through(connection, seq),
        )

    def event(self, seq: int, event_type: str, payload: Payload) -> None:
        walk = self._started()
        try:
            walk.event(seq, event_type, payload)
        except (StoreError, ValueError) as error:
            self.unreadable(seq, event_type, error)

    def unreadable(self, seq: int, event_type: str, error: Exception) -> None:
        self._started().seq = seq
        self.check.problem(f"events[seq={seq}] ({event_type}) cannot be read for accounting: {error}")

    def end(self, database: Database) -> None:
        walk = self._started()
        walk.settle()
        self.check.last_state = walk.state
        if self.check.last is not None:
            _compare_balances(walk, self.check.last, database.balances.all(), self.check)

    def _started(self) -> _Walk:
        if self._walk is None:
            raise RuntimeError("AccountingVerifier.begin() must come before the first event")
        return self._walk


def verify_accounting(database: Database) -> AccountingCheck:
    """Revalue every recorded portfolio cycle; read-only. A ledger without any is trivially fine.

    The accounting alone, in a pass of its own; `bot ledger verify` runs `AccountingVerifier` in
    the pass that checks the chain and the projections. Raises StoreError if a unit of work is
    active on `database`.
    """
    connection = database.connection
    if connection.in_transaction:
        raise StoreError("cannot verify while a unit of work is active on this ledger")
    verifier = AccountingVerifier()
    connection.execute("BEGIN")  # the walk and the balances from one snapshot, while the daemon writes
    try:
        verifier.begin(database)
        for record in iterate(connection):
            try:
                payload = loads(record.payload)
            except ValueError as error:
                verifier.unreadable(record.seq, record.type, error)
            else:
                verifier.event(record.seq, record.type, payload)
        verifier.end(database)
    finally:
        connection.execute("ROLLBACK")
    return verifier.check


def _fills_through(connection: sqlite3.Connection, seq: int) -> list[Fill]:
    """The fills of the OrderFilled events through `seq` that read, as the walk read them there."""
    fills = []
    for _, _, event_type, text, _, _ in rows_of_type(connection, _ORDER_FILLED, through_seq=seq):
        try:
            fills.append(_filled(Fields(event_type, loads(text))).fill)
        except (StoreError, ValueError):
            continue  # reported at its place in the walk
    return fills


def _compare_balances(
    walk: _Walk, last: ValuationRecord, ledger: Mapping[str, Decimal], check: AccountingCheck
) -> None:
    try:
        books = walk.books(last)
    except ValueError as error:  # a fill after the last valuation: the daemon cannot account either
        check.problem(f"the fills since cycle {last.cycle_id} cannot be accounted: {error}")
        return
    for asset in sorted(set(books.cash) | set(ledger)):
        from_books, projected = books.cash.get(asset, ZERO), ledger.get(asset, ZERO)
        if from_books != projected:
            check.problem(
                f"balances[{asset}]: the ledger has {exact_text(projected)}, opening balances and"
                f" fills give {exact_text(from_books)}"
            )


def _opening_prices(database: Database) -> Mapping[str, Decimal]:
    """Set once by the first portfolio cycle and never changed, so the final value is the one used."""
    text = database.state.get(KEYS["opening_prices"])
    return OpeningPrices.from_json(loads(text)).prices if text is not None else {}


def _names(symbols: Iterable[str]) -> str:
    return "[" + ", ".join(sorted(symbols)) + "]"


def _marks_text(marks: Mapping[str, Mark]) -> str:
    return (
        "{" + ", ".join(f"{s}: {exact_text(m.price)} at {m.as_of_ms}" for s, m in sorted(marks.items())) + "}"
    )


def _state_text(state: EquityState | None) -> str:
    if state is None:
        return "nothing"
    return (
        f"peak {exact_text(state.peak_equity)}, day from {state.day_start_ms} at"
        f" {exact_text(state.day_start_equity)}"
    )


def _document(payload: Payload) -> Payload:
    """A StateChanged's structured value (an object, or a string of JSON in older ledgers)."""
    return StateChanged.parse(Fields(_STATE_CHANGED, payload)).document()


def _filled(fields: Fields) -> OrderFilled:
    """An OrderFilled payload, checked as the projection checks it; raises StoreError."""
    filled = OrderFilled.parse(fields)
    filled.check()
    return filled
