"""How an imported bar becomes a top of book: a dataset row with bid, ask, last and quantities.

Bars carry no book, so one is modelled. `last` is the close (times `price_scale_factor`, e.g. 35
to turn USD into TRY) on the tick. Bid and ask come from one of two methods (`BidAskMethod`):

- `synthetic_spread`: `spread_bps` apart around the close, bid rounded down and ask up.
- `trade_sides` (a trade tape with a side column): the bid is the price of the bar's last taker
  sell (it hit the bid) and the ask that of its last taker buy (it lifted the ask). A bar where
  one side did not trade, or whose derived bid is not below its ask (the price moved between the
  two trades), falls back to the synthetic spread; the fallbacks are counted.

The top-of-book quantity is `depth_ratio` of the step's base volume (quote volume / close), never
less than one minimum-notional order.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import ROUND_HALF_EVEN, Context, Decimal, localcontext
from enum import StrEnum
from pathlib import Path

from bot.domain.dataset import MarketRow
from bot.domain.money import quantize_down, quantize_up
from bot.domain.orders import Side
from bot.domain.symbols import PairRules
from bot.replay.errors import DatasetError
from bot.replay.ohlcv import Bar
from bot.replay.validation import check_row

_BPS_DENOMINATOR = Decimal(20_000)  # half a spread in bps: price x bps / 20,000
MAX_PRICE_SCALE = 12


class BidAskMethod(StrEnum):
    """How a row's bid and ask were made; the value goes into the dataset's `source`."""

    SYNTHETIC_SPREAD = "synthetic_spread"
    TRADE_SIDES = "trade_sides"


@dataclass(frozen=True, slots=True, kw_only=True)
class BookShape:
    """How a bar becomes a top of book: prices times `price_scale_factor`, a spread of
    `spread_bps` around the close, and `depth_ratio` of the bar's volume on each side."""

    price_scale_factor: Decimal = Decimal(1)
    spread_bps: Decimal = Decimal(5)
    depth_ratio: Decimal = Decimal("0.05")


@dataclass(frozen=True, slots=True, kw_only=True)
class ModelledRows:
    rows: tuple[MarketRow, ...]
    method: BidAskMethod
    fallback_bars: int  # trade_sides: bars whose bid/ask came from the synthetic spread instead


def data_price_scale(bars: Sequence[Bar], book: BookShape) -> int:
    """Decimals for the pair's prices: as many as the data's scaled prices carry, and enough for a
    tick to be at most a quarter of the modelled half-spread at the lowest close, so the spread
    survives rounding; at most MAX_PRICE_SCALE."""
    factor = book.price_scale_factor
    carried = 0
    for bar in bars:
        for price in (bar.open, bar.high, bar.low, bar.close, bar.last_sell, bar.last_buy):
            if price is None:
                continue
            exponent = (price * factor).normalize().as_tuple().exponent
            carried = max(carried, -exponent if isinstance(exponent, int) and exponent < 0 else 0)
    lowest = min(bar.close for bar in bars) * factor
    quarter_half_spread = lowest * book.spread_bps / Decimal(80_000)
    needed = 0
    while needed < MAX_PRICE_SCALE and Decimal(1).scaleb(-needed) > quarter_half_spread:
        needed += 1
    return min(MAX_PRICE_SCALE, max(carried, needed))


@dataclass(frozen=True, slots=True, kw_only=True)
class BookModel:
    rules: PairRules
    book: BookShape
    method: BidAskMethod = BidAskMethod.SYNTHETIC_SPREAD

    def rows(self, path: Path, bars: Sequence[Bar]) -> ModelledRows:
        """One checked row per bar. Raises DatasetError (file, line of the bar) for a row the
        dataset rules refuse (e.g. a price outside the pair's band)."""
        rows: list[MarketRow] = []
        fallbacks = 0
        # A fixed context: the result must not depend on the caller's decimal settings.
        with localcontext(Context(prec=28, rounding=ROUND_HALF_EVEN)):
            for bar in bars:
                row, fell_back = self._row(bar)
                problem = check_row(self.rules, row, rows[-1].ts_ms if rows else None)
                if problem is not None:
                    raise DatasetError(path, f"imported as {problem.what}", problem.fix, line=bar.line)
                rows.append(row)
                fallbacks += fell_back
        return ModelledRows(rows=tuple(rows), method=self.method, fallback_bars=fallbacks)

    def _row(self, bar: Bar) -> tuple[MarketRow, bool]:
        rules = self.rules
        tick = rules.tick_size
        last = max(tick, _nearest_tick(bar.close * self.book.price_scale_factor, tick))
        from_trades = self._from_trade_sides(bar) if self.method is BidAskMethod.TRADE_SIDES else None
        bid, ask = from_trades if from_trades is not None else self._around(last)
        # The volume is in the (unscaled) quote currency, so the base volume uses the raw close.
        # The volume is in the (unscaled) quote currency, so the base volume uses the raw close,
        # unless the source states the base volume itself (graph-api candles).
        raw_base = bar.base_volume if bar.base_volume is not None else bar.quote_volume / bar.close
        base_volume = quantize_down(raw_base, rules.quantity_scale)
        depth = quantize_down(base_volume * self.book.depth_ratio, rules.quantity_scale)
        row = MarketRow(
            ts_ms=bar.ts_ms,
            bid=bid,
            ask=ask,
            last=last,
            bid_qty=max(depth, self._one_order(bid)),
            ask_qty=max(depth, self._one_order(ask)),
            volume=base_volume,
        )
        return row, self.method is BidAskMethod.TRADE_SIDES and from_trades is None

    def _around(self, last: Decimal) -> tuple[Decimal, Decimal]:
        """The synthetic spread: `spread_bps` around `last`, bid rounded down and ask up."""
        tick = self.rules.tick_size
        half_spread = last * self.book.spread_bps / _BPS_DENOMINATOR
        bid = max(tick, self.rules.quantize_price(last - half_spread, Side.BUY))
        return bid, max(bid + tick, self.rules.quantize_price(last + half_spread, Side.SELL))

    def _from_trade_sides(self, bar: Bar) -> tuple[Decimal, Decimal] | None:
        """The last taker sell's price as the bid and the last taker buy's as the ask, or None
        when a side had no trade in the bar or the two do not make a book (bid >= ask)."""
        if bar.last_sell is None or bar.last_buy is None:
            return None
        factor, tick = self.book.price_scale_factor, self.rules.tick_size
        bid = max(tick, self.rules.quantize_price(bar.last_sell * factor, Side.BUY))
        ask = self.rules.quantize_price(bar.last_buy * factor, Side.SELL)
        return (bid, ask) if bid < ask else None

    def _one_order(self, price: Decimal) -> Decimal:
        """The floor for a top-of-book quantity: one minimum-notional order (at least one unit)."""
        smallest = Decimal(1).scaleb(-self.rules.quantity_scale)
        return max(smallest, quantize_up(self.rules.min_notional / price, self.rules.quantity_scale))


def _nearest_tick(price: Decimal, tick: Decimal) -> Decimal:
    return (price / tick).to_integral_value(rounding=ROUND_HALF_EVEN) * tick
