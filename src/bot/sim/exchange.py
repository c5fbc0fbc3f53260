"""The simulator's state: the matching engine, the accounts and the replayed market clock."""

from __future__ import annotations

import random
import threading
import uuid
from collections.abc import Mapping
from decimal import Decimal

from bot.domain.clock import Clock
from bot.domain.dataset import Dataset, MarketRow
from bot.domain.orders import Side
from bot.domain.symbols import PairRules
from bot.exchange.matching import EngineOrder, MatchingEngine
from bot.sim.config import SimAccount, SimConfig
from bot.sim.fault_profile import FaultProfile
from bot.sim.faults import FaultInjector
from bot.sim.market_clock import MarketClock, PacedMarketClock
from bot.sim.report_lag import ReportLag


class SimExchange:
    """Holds the engine and replays `dataset` against it as wall time passes.

    Every request handler calls `catch_up()` first: each dataset row between the last processed
    market time and now is fed to the engine in time order, stamped with the wall time at which
    it became current. Everything the simulator reports is in wall time. "Now" in market time is
    the wall time times `speed`, or, with `advance_ms_per_balance_read`, a step per balance read.
    """

    def __init__(self, config: SimConfig, dataset: Dataset, clock: Clock) -> None:
        self.config = config
        self.dataset = dataset
        self._clock = clock
        self._rng = random.Random(config.seed)
        self.engine = MatchingEngine(
            dataset.pairs,
            config.fees.schedule(),
            order_id_start=self._rng.randrange(10_000_000, 100_000_000),
            trade_id_start=self._rng.randrange(100_000_000, 1_000_000_000),
        )
        for account in config.accounts:
            self.engine.open_account(account.api_key, account.balances)
        self.market_clock: MarketClock | PacedMarketClock
        if config.advance_ms_per_balance_read is None:
            self.market_clock = MarketClock(
                started_wall_ms=clock.now_ms(),
                start_ms=dataset.start_ms,
                end_ms=dataset.end_ms,
                speed=config.speed,
            )
        else:
            self.market_clock = PacedMarketClock(
                started_wall_ms=clock.now_ms(),
                start_ms=dataset.start_ms,
                end_ms=dataset.end_ms,
                step_ms=config.advance_ms_per_balance_read,
            )
        self._processed_ms = dataset.start_ms - 1
        self._frozen_at_ms: int | None = None
        self._stuck_stamp_ms: int | None = None
        self._freeze_wall_ms: int | None = None
        self._aliases = _symbol_aliases(dataset.pairs)
        self.lock = threading.RLock()
        # A generator of its own, so the faults drawn do not depend on ids drawn and vice versa.
        self.faults = FaultInjector(FaultProfile(), seed=config.seed)
        self.report_lag = ReportLag()
        self.apply_faults(config.faults)

    def now_ms(self) -> int:
        """Wall time, epoch ms."""
        return self._clock.now_ms()

    def server_now_ms(self) -> int:
        """The exchange's idea of now: wall time shifted by the profile's `clock_skew_ms`
        (server time and the X-Stamp check use it)."""
        return self._clock.now_ms() + self.faults.profile.clock_skew_ms

    @property
    def market_ms(self) -> int:
        """The dataset time processed so far (after `catch_up`)."""
        return max(self._processed_ms, self.dataset.start_ms)

    def catch_up(self) -> None:
        """Feed the engine every row that became current since the last call, in time order."""
        with self.lock:
            target = self.market_clock.market_ms(self.now_ms())
            if self._frozen_at_ms is not None:
                target = min(target, self._frozen_at_ms)
            if self._freeze_wall_ms is not None:
                target = min(target, self.market_clock.market_ms(self._freeze_wall_ms))
            if target <= self._processed_ms:
                return
            pending = [
                (row.ts_ms, symbol, row)
                for symbol in self.dataset.symbols
                for row in self.dataset.rows_between(symbol, self._processed_ms, target)
            ]
            for ts_ms, symbol, row in sorted(pending, key=lambda item: (item[0], item[1])):
                self.engine.set_market(symbol, row, ts_ms=self.market_clock.wall_ms(ts_ms))
                self._note_reports()
            self._processed_ms = target

    def balances_read(self) -> None:
        """A paced replay moves one step per balance read (unless frozen); a wall-paced one ignores it."""
        if not isinstance(self.market_clock, PacedMarketClock):
            return
        with self.lock:
            if self._frozen_at_ms is None:
                self.market_clock.advance(self.now_ms())
                self.catch_up()

    def freeze_market(self, frozen: bool) -> int:
        """Stop (or resume) the replay at the current market time; the wall clock runs on.

        A frozen feed is also what a stalled exchange looks like. Returns the market time.
        """
        with self.lock:
            self.catch_up()
            self._frozen_at_ms = self._processed_ms if frozen else None
            return self.market_ms

    def apply_faults(self, profile: FaultProfile) -> None:
        """Make `profile` the active one. `frozen_feed` freezes (or resumes) the feed now when it
        changes; `freeze_after_s` freezes the feed that many seconds after this call."""
        with self.lock:
            previous = self.faults.profile
            self.faults.profile = profile
            if profile.frozen_feed != previous.frozen_feed:
                self.freeze_market(profile.frozen_feed)
            if profile.stuck_timestamps != previous.stuck_timestamps:
                self.catch_up()
                current = [self.row(symbol) for symbol in self.dataset.symbols]
                stamps = [self.row_wall_ms(row) for row in current if row is not None]
                self._stuck_stamp_ms = (
                    max(stamps, default=self.now_ms()) if profile.stuck_timestamps else None
                )
            if profile.freeze_after_s is None:
                self._freeze_wall_ms = None
            elif profile.freeze_after_s != previous.freeze_after_s or self._freeze_wall_ms is None:
                self._freeze_wall_ms = self.now_ms() + int(profile.freeze_after_s * 1000)

    def visible(self, order: EngineOrder) -> bool:
        """False while an accepted order is inside its visibility delay."""
        return self.faults.is_visible(order.order_id, self.now_ms())

    def reported(self, orders: list[EngineOrder]) -> list[EngineOrder]:
        """The visible `orders` as order queries report them: late by `report_delay_ms`, if set."""
        delay_ms = self.faults.profile.report_delay_ms
        visible = [o for o in orders if self.visible(o)]
        if not delay_ms:
            return visible
        at_ms = self.now_ms() - delay_ms
        return [self.report_lag.as_of(o, at_ms) for o in visible]

    def reported_open(self, api_key: str, symbol: str | None) -> list[EngineOrder]:
        """Open orders as order queries report them (an order filled or canceled within the
        report delay is still open there)."""
        if not self.faults.profile.report_delay_ms:
            return self.reported(self.engine.orders(api_key, symbol, open_only=True))
        return [o for o in self.reported(self.engine.orders(api_key, symbol)) if o.is_open]

    def reported_fills_until_ms(self) -> int:
        """Fills after this time are not reported yet."""
        return self.now_ms() - self.faults.profile.report_delay_ms

    def _note_reports(self) -> None:
        if self.faults.profile.report_delay_ms:
            now = self.now_ms()
            for account in self.config.accounts:
                self.report_lag.note(self.engine.orders(account.api_key), now)

    def row(self, symbol: str) -> MarketRow | None:
        """The current row of `symbol`, or None before its first row."""
        return self.dataset.row_at(symbol, self._processed_ms)

    def row_wall_ms(self, row: MarketRow) -> int:
        return self.market_clock.wall_ms(row.ts_ms)

    def stamp_ms(self, row: MarketRow) -> int:
        """The timestamp market data reports for `row`: when it became current, or, while
        `stuck_timestamps` is on, no later than when the knob was set (prices still move)."""
        stamp = self.row_wall_ms(row)
        return stamp if self._stuck_stamp_ms is None else min(stamp, self._stuck_stamp_ms)

    def resolve_symbol(self, raw: object) -> str | None:
        """'BTCTRY' or 'BTC_TRY' (any case) -> 'BTCTRY'; None if not listed."""
        return self._aliases.get(str(raw).upper()) if raw is not None else None

    def rules(self, symbol: str) -> PairRules:
        return self.dataset.pairs[symbol]

    def account(self, api_key: str) -> SimAccount | None:
        return self.config.account(api_key)

    def new_client_order_id(self) -> str:
        """A GUID, as BTCTurk assigns when the client sends none; deterministic under the seed."""
        with self.lock:
            return str(uuid.UUID(int=self._rng.getrandbits(128), version=4))

    def submit(
        self,
        api_key: str,
        *,
        symbol: str,
        side: Side,
        price: Decimal,
        quantity: Decimal,
        client_order_id: str,
    ) -> EngineOrder:
        with self.lock:
            order = self.engine.submit(
                api_key,
                symbol=symbol,
                side=side,
                price=price,
                quantity=quantity,
                client_order_id=client_order_id,
                ts_ms=self.now_ms(),
            )
            self.faults.order_accepted(order.order_id, self.now_ms())
            self._note_reports()
            return order

    def cancel(self, api_key: str, order_id: int) -> EngineOrder:
        with self.lock:
            canceled = self.engine.cancel(api_key, order_id, self.now_ms())
            self._note_reports()
            return canceled

    def asset_precision(self, asset: str) -> int:
        """Quantity scale when `asset` is a base somewhere; else the largest price scale quoted in it
        (at least 2)."""
        pairs = self.dataset.pairs.values()
        as_base = [p.quantity_scale for p in pairs if p.base == asset]
        if as_base:
            return max(as_base)
        return max([2, *(p.price_scale for p in pairs if p.quote == asset)])


def _symbol_aliases(pairs: Mapping[str, PairRules]) -> dict[str, str]:
    aliases: dict[str, str] = {}
    for symbol, rules in pairs.items():
        aliases[symbol.upper()] = symbol
        aliases[f"{rules.base}_{rules.quote}".upper()] = symbol
    return aliases
