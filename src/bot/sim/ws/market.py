"""Public channels of one connection: which symbols it follows and what it was last sent.

`ticker` sends 402 on join and whenever the row changes or `refresh_ms` passed. `trade` sends 421
(the last 50 steps with volume, newest first) on join, then 422 per new step with volume.
`orderbook` (and `obdiff`, an alias here) sends 431 with a changeset `CS` on join, a 432 diff with
CS + 1 whenever the synthetic book changes, and the full 431 again (same CS) every `refresh_ms`
so a quiet book still shows the feed is alive. Call every method under the simulator's lock.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from bot.domain.dataset import MarketRow
from bot.domain.market import BookLevel
from bot.exchange.matching import synthetic_sides
from bot.exchange.replay import DAY_MS
from bot.sim.exchange import SimExchange
from bot.sim.ws import frames

CHANNELS = ("ticker", "trade", "orderbook", "obdiff")
MAX_TRADES = 50


@dataclass(slots=True)
class _BookStream:
    bids: tuple[BookLevel, ...]
    asks: tuple[BookLevel, ...]
    sent_ms: int


@dataclass(slots=True)
class _SymbolStreams:
    ticker_row_ms: int | None = None  # row ts last sent on the ticker channel; None: not joined
    ticker_sent_ms: int = 0
    trades_after_ms: int | None = None  # dataset ts of the last trade step sent; None: not joined
    book: _BookStream | None = None
    changeset: int = 0


@dataclass(slots=True)
class MarketStreams:
    sim: SimExchange
    pair_ids: dict[str, int]
    depth: int
    refresh_ms: int
    changeset_start: int
    _symbols: dict[str, _SymbolStreams] = field(default_factory=dict)

    def join(self, channel: str, symbol: str) -> list[str]:
        """Start `channel` for `symbol`; returns the frames a new subscriber gets first."""
        streams = self._symbols.setdefault(symbol, _SymbolStreams())
        now = self.sim.now_ms()
        if channel == "ticker":
            streams.ticker_row_ms = -1
            return self._ticker(symbol, streams, now, force=True)
        if channel == "trade":
            return self._trade_list(symbol, streams)
        bids, asks = self._sides(symbol)
        # CS never goes back on a connection, even across leave/join (a client's resnapshot).
        streams.changeset = max(streams.changeset, self.changeset_start) + 1
        streams.book = _BookStream(bids=bids, asks=asks, sent_ms=now)
        return [frames.book_full(symbol, streams.changeset, (bids, asks), self._data_ms(symbol, now))]

    def leave(self, channel: str, symbol: str) -> None:
        streams = self._symbols.get(symbol)
        if streams is None:
            return
        if channel == "ticker":
            streams.ticker_row_ms = None
        elif channel == "trade":
            streams.trades_after_ms = None
        else:
            streams.book = None

    def tick(self) -> list[str]:
        """Frames for everything that changed (or is due for a refresh) since the last tick."""
        now = self.sim.now_ms()
        out: list[str] = []
        for symbol, streams in self._symbols.items():
            out.extend(self._ticker(symbol, streams, now, force=False))
            out.extend(self._new_trades(symbol, streams))
            out.extend(self._book(symbol, streams, now))
        return out

    def _ticker(self, symbol: str, streams: _SymbolStreams, now: int, *, force: bool) -> list[str]:
        row = self.sim.row(symbol)
        if streams.ticker_row_ms is None or row is None:
            return []
        due = now - streams.ticker_sent_ms >= self.refresh_ms
        if not force and not due and row.ts_ms == streams.ticker_row_ms:
            return []
        streams.ticker_row_ms, streams.ticker_sent_ms = row.ts_ms, now
        window = self.sim.dataset.rows_between(symbol, row.ts_ms - DAY_MS, row.ts_ms)
        return [
            frames.ticker(self.sim.rules(symbol), window, self.pair_ids[symbol], self.sim.row_wall_ms(row))
        ]

    def _trade_list(self, symbol: str, streams: _SymbolStreams) -> list[str]:
        steps = [r for r in self._past_rows(symbol, self.sim.dataset.start_ms - 1) if r.volume > 0]
        recent = steps[-MAX_TRADES:]
        streams.trades_after_ms = self.sim.market_ms
        items = [frames.trade_item(r, self.sim.row_wall_ms(r)) for r in reversed(recent)]
        return [frames.trade_list(symbol, items)]

    def _new_trades(self, symbol: str, streams: _SymbolStreams) -> list[str]:
        if streams.trades_after_ms is None:
            return []
        rows = self._past_rows(symbol, streams.trades_after_ms)
        streams.trades_after_ms = max(streams.trades_after_ms, self.sim.market_ms)
        return [
            frames.trade_single(symbol, frames.trade_item(r, self.sim.row_wall_ms(r)))
            for r in rows
            if r.volume > 0
        ]

    def _book(self, symbol: str, streams: _SymbolStreams, now: int) -> list[str]:
        book = streams.book
        if book is None:
            return []
        bids, asks = self._sides(symbol)
        changes = (frames.side_changes(book.bids, bids), frames.side_changes(book.asks, asks))
        if changes[0] or changes[1]:
            streams.changeset += 1
            book.bids, book.asks, book.sent_ms = bids, asks, now
            return [frames.book_diff(symbol, streams.changeset, changes, self._data_ms(symbol, now))]
        if now - book.sent_ms >= self.refresh_ms:
            book.sent_ms = now
            return [frames.book_full(symbol, streams.changeset, (bids, asks), self._data_ms(symbol, now))]
        return []

    def _data_ms(self, symbol: str, default: int) -> int:
        """When the data in a frame became current: a frozen market repeats old data, and says so."""
        row = self.sim.row(symbol)
        return self.sim.row_wall_ms(row) if row is not None else default

    def _sides(self, symbol: str) -> tuple[tuple[BookLevel, ...], tuple[BookLevel, ...]]:
        row = self.sim.row(symbol)
        if row is None:
            return (), ()
        return synthetic_sides(row, self.sim.rules(symbol), self.depth)

    def _past_rows(self, symbol: str, after_ms: int) -> tuple[MarketRow, ...]:
        return self.sim.dataset.rows_between(symbol, after_ms, self.sim.market_ms)
