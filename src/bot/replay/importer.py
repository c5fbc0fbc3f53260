"""Turn real OHLCV bars into a replay dataset: scaled prices, a modelled book, reported gaps.

Bars carry no book, so one is modelled: `last` is the close (times `price_scale_factor`, e.g. 35
to turn USD into TRY) on the tick, bid/ask sit `spread_bps` apart around it (bid rounded down, ask
up, so bid < ask), and the top-of-book quantity is `depth_ratio` of the step's base volume
(quote volume / close), never less than one minimum-notional order. Missing bars are reported as
gaps and left missing: the replay sees them as stale data, as it should.
"""

from __future__ import annotations

import itertools
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, replace
from decimal import ROUND_HALF_EVEN, Context, Decimal, localcontext
from pathlib import Path
from typing import Any

from bot.domain.dataset import Dataset, MarketRow
from bot.domain.money import canonical, ceil_to_step, quantize_down, quantize_up
from bot.domain.orders import Side
from bot.domain.symbols import PairRules
from bot.replay.dataset_io import write_dataset
from bot.replay.errors import DatasetError
from bot.replay.ohlcv import Bar, SkippedRow, read_ohlcv
from bot.replay.validation import check_row

_BPS_DENOMINATOR = Decimal(20_000)  # half a spread in bps: price x bps / 20,000
_MAX_PRICE_HEADROOM = 10  # default max_price: 10x the highest scaled high


@dataclass(frozen=True, slots=True, kw_only=True)
class Gap:
    """Consecutive missing steps: `start_ms` and `end_ms` are the first and last missing step."""

    start_ms: int
    end_ms: int
    missing_steps: int


@dataclass(frozen=True, slots=True, kw_only=True)
class ImportResult:
    dataset: Dataset
    gaps: tuple[Gap, ...]
    rows_read: int  # data rows in the source file
    rows_skipped: int  # malformed rows left out (each also in `skipped`, with file and line)
    skipped: tuple[SkippedRow, ...]

    @property
    def missing_steps(self) -> int:
        return sum(gap.missing_steps for gap in self.gaps)


@dataclass(frozen=True, slots=True, kw_only=True)
class ImportedPair:
    """The pair an import creates. `price_scale` None: taken from the data (the most decimals a
    scaled price carries, or more when the modelled spread needs them; never rounded to whole
    units). `tick_size` defaults to one unit of `price_scale`, `min_price` to the tick,
    `max_price` to 10x the highest scaled high."""

    symbol: str
    base: str
    quote: str
    quantity_scale: int = 8
    price_scale: int | None = None
    tick_size: Decimal | None = None
    min_notional: Decimal = Decimal("99.91")
    min_price: Decimal | None = None
    max_price: Decimal | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class BookShape:
    """How a bar becomes a top of book: prices times `price_scale_factor`, a spread of
    `spread_bps` around the close, and `depth_ratio` of the bar's volume on each side."""

    price_scale_factor: Decimal = Decimal(1)
    spread_bps: Decimal = Decimal(5)
    depth_ratio: Decimal = Decimal("0.05")


def import_ohlcv(
    csv_path: Path | str,
    pair: ImportedPair,
    *,
    book: BookShape = BookShape(),  # frozen: one shared default is safe
    name: str | None = None,
    skip_malformed: bool = False,
    start_ms: int | None = None,
    end_ms: int | None = None,
    tape_step_ms: int = 60_000,
) -> ImportResult:
    """Import an OHLCV CSV as a one-pair dataset; the step is the most common timestamp difference.

    `start_ms`/`end_ms` keep the bars in [start, end). Raises ValueError for a factor or spread
    <= 0 or a depth ratio outside (0, 1]; DatasetError (file, line) for a malformed row (unless
    `skip_malformed`), fewer than two usable rows, or a price outside the given band.
    """
    price_scale_factor, spread_bps, depth_ratio = book.price_scale_factor, book.spread_bps, book.depth_ratio
    if price_scale_factor <= 0 or spread_bps <= 0 or not 0 < depth_ratio <= 1:
        raise ValueError("price_scale_factor and spread_bps must be > 0, depth_ratio in (0, 1]")
    path = Path(csv_path)
    read = read_ohlcv(path, skip_malformed=skip_malformed, tape_step_ms=tape_step_ms)
    if start_ms is not None or end_ms is not None:
        lo, hi = start_ms if start_ms is not None else -1, end_ms if end_ms is not None else 2**63
        read = replace(read, bars=tuple(bar for bar in read.bars if lo <= bar.ts_ms < hi))
    if len(read.bars) < 2:
        raise DatasetError(path, f"only {len(read.bars)} usable row(s)", "import at least two bars")
    step_ms = infer_step_ms([bar.ts_ms for bar in read.bars])
    price_scale = pair.price_scale if pair.price_scale is not None else data_price_scale(read.bars, book)
    tick = pair.tick_size if pair.tick_size is not None else Decimal(1).scaleb(-price_scale)
    highest = max(bar.high for bar in read.bars) * price_scale_factor
    ceiling = ceil_to_step(highest * _MAX_PRICE_HEADROOM, tick)
    rules = PairRules(
        symbol=pair.symbol,
        base=pair.base,
        quote=pair.quote,
        quantity_scale=pair.quantity_scale,
        price_scale=price_scale,
        tick_size=tick,
        min_notional=pair.min_notional,
        min_price=tick if pair.min_price is None else pair.min_price,
        max_price=ceiling if pair.max_price is None else pair.max_price,
    )
    rows = modelled_rows(rules, read.bars, book, source=path)
    symbol = pair.symbol
    dataset_name = name or f"{symbol.lower()}-{path.stem}"
    return ImportResult(
        dataset=Dataset(name=dataset_name, step_ms=step_ms, pairs={symbol: rules}, rows={symbol: rows}),
        gaps=find_gaps([row.ts_ms for row in rows], step_ms),
        rows_read=read.rows_read,
        rows_skipped=len(read.skipped),
        skipped=read.skipped,
    )


def modelled_rows(
    rules: PairRules, bars: Sequence[Bar], book: BookShape, *, source: Path
) -> tuple[MarketRow, ...]:
    """The book model over `bars` under `rules` (module docstring): one row per bar. Raises
    DatasetError naming `source` and the bar's line for a row that breaks a rule of the pair."""
    model = _BookModel(
        rules=rules, factor=book.price_scale_factor, spread_bps=book.spread_bps, depth_ratio=book.depth_ratio
    )
    return model.rows(source, bars)


MAX_PRICE_SCALE = 12


def data_price_scale(bars: Sequence[Bar], book: BookShape) -> int:
    """Decimals for the pair's prices: as many as the data's scaled prices carry, and enough for a
    tick to be at most a quarter of the modelled half-spread at the lowest close, so the spread
    survives rounding; at most MAX_PRICE_SCALE."""
    factor = book.price_scale_factor
    carried = 0
    for bar in bars:
        for price in (bar.open, bar.high, bar.low, bar.close):
            exponent = (price * factor).normalize().as_tuple().exponent
            carried = max(carried, -exponent if isinstance(exponent, int) and exponent < 0 else 0)
    lowest = min(bar.close for bar in bars) * factor
    quarter_half_spread = lowest * book.spread_bps / Decimal(80_000)
    needed = 0
    while needed < MAX_PRICE_SCALE and Decimal(1).scaleb(-needed) > quarter_half_spread:
        needed += 1
    return min(MAX_PRICE_SCALE, max(carried, needed))


def infer_step_ms(timestamps: Sequence[int]) -> int:
    """The most common positive difference between consecutive timestamps (the smaller on a tie)."""
    counts = Counter(later - earlier for earlier, later in itertools.pairwise(timestamps))
    if not counts:
        raise ValueError("need at least two timestamps to infer a step")
    return min(counts, key=lambda step: (-counts[step], step))


def find_gaps(timestamps: Sequence[int], step_ms: int) -> tuple[Gap, ...]:
    """Every run of whole missing steps between consecutive timestamps."""
    gaps = []
    for earlier, later in itertools.pairwise(timestamps):
        missing = (later - earlier) // step_ms - 1
        if missing > 0:
            gaps.append(
                Gap(start_ms=earlier + step_ms, end_ms=earlier + missing * step_ms, missing_steps=missing)
            )
    return tuple(gaps)


@dataclass(frozen=True, slots=True, kw_only=True)
class _BookModel:
    rules: PairRules
    factor: Decimal
    spread_bps: Decimal
    depth_ratio: Decimal

    def rows(self, path: Path, bars: Sequence[Bar]) -> tuple[MarketRow, ...]:
        rows: list[MarketRow] = []
        # A fixed context: the result must not depend on the caller's decimal settings.
        with localcontext(Context(prec=28, rounding=ROUND_HALF_EVEN)):
            for bar in bars:
                row = self._row(bar)
                problem = check_row(self.rules, row, rows[-1].ts_ms if rows else None)
                if problem is not None:
                    raise DatasetError(path, f"imported as {problem.what}", problem.fix, line=bar.line)
                rows.append(row)
        return tuple(rows)

    def _row(self, bar: Bar) -> MarketRow:
        rules = self.rules
        tick = rules.tick_size
        last = max(tick, _nearest_tick(bar.close * self.factor, tick))
        half_spread = last * self.spread_bps / _BPS_DENOMINATOR
        bid = max(tick, rules.quantize_price(last - half_spread, Side.BUY))
        ask = max(bid + tick, rules.quantize_price(last + half_spread, Side.SELL))
        # The volume is in the (unscaled) quote currency, so the base volume uses the raw close.
        raw_base = bar.base_volume if bar.base_volume is not None else bar.quote_volume / bar.close
        base_volume = quantize_down(raw_base, rules.quantity_scale)
        depth = quantize_down(base_volume * self.depth_ratio, rules.quantity_scale)
        return MarketRow(
            ts_ms=bar.ts_ms,
            bid=bid,
            ask=ask,
            last=last,
            bid_qty=max(depth, self._one_order(bid)),
            ask_qty=max(depth, self._one_order(ask)),
            volume=base_volume,
        )

    def _one_order(self, price: Decimal) -> Decimal:
        """The floor for a top-of-book quantity: one minimum-notional order (at least one unit)."""
        smallest = Decimal(1).scaleb(-self.rules.quantity_scale)
        return max(smallest, quantize_up(self.rules.min_notional / price, self.rules.quantity_scale))


def _nearest_tick(price: Decimal, tick: Decimal) -> Decimal:
    return (price / tick).to_integral_value(rounding=ROUND_HALF_EVEN) * tick


def _is_tape_file(path: Path) -> bool:
    import csv as csv_module

    from bot.replay.trade_tape import is_trade_tape

    with path.open(newline="", encoding="utf-8-sig") as handle:
        return is_trade_tape(next(csv_module.reader(handle), None))


def import_ohlcv_to_dir(
    csv_path: Path | str,
    out_dir: Path | str,
    pair: ImportedPair,
    *,
    overwrite: bool = False,
    book: BookShape = BookShape(),  # frozen: one shared default is safe
    **options: Any,
) -> ImportResult:
    """`import_ohlcv(csv_path, pair, book=book, **options)` written to `out_dir` with `write_dataset`.

    The manifest's `source` records the file, the scaling, the model and the gaps found.
    """
    result = import_ohlcv(csv_path, pair, book=book, **options)
    dataset = result.dataset
    tape = _is_tape_file(Path(csv_path))
    method = (
        f" from a trade tape: bars of {options.get('tape_step_ms', 60_000)} ms, OHLC of trade prices,"
        " volume the traded quote amount, the book modelled around each close"
        if tape
        else ""
    )
    source = (
        f"import_ohlcv {Path(csv_path).name} symbol={pair.symbol}{method}"
        f" price_scale_factor={canonical(book.price_scale_factor)}"
        f" spread_bps={canonical(book.spread_bps)}"
        f" depth_ratio={canonical(book.depth_ratio)}"
        f" rows_read={result.rows_read} rows_skipped={result.rows_skipped}"
        f" gaps={len(result.gaps)} missing_steps={result.missing_steps}"
    )
    write_dataset(out_dir, dataset, source, overwrite=overwrite)
    return result
