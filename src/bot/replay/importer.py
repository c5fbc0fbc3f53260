"""Turn real OHLCV bars (or a trade tape's) into a replay dataset: scaled prices, a modelled book,
reported gaps, dropped duplicates and flagged spikes.

The book is modelled by `bot.replay.book_model`: `last` the scaled close, bid/ask a synthetic
spread around it or, for a trade tape with sides, the bar's last taker sell and buy. Missing bars
are reported as gaps and left missing: the replay sees them as stale data, as it should. Repeated
rows (a bar's timestamp, a trade's id) are dropped and counted by the readers; one-bar spikes are
flagged by `bot.replay.spikes`, and left out when the `SpikeRule` says so.
"""

from __future__ import annotations

import itertools
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, replace
from decimal import Decimal
from pathlib import Path
from typing import Any

from bot.domain.dataset import Dataset, MarketRow
from bot.domain.money import canonical, ceil_to_step
from bot.domain.symbols import PairRules
from bot.replay.book_model import BidAskMethod, BookModel, BookShape, data_price_scale
from bot.replay.dataset_io import write_dataset
from bot.replay.errors import DatasetError
from bot.replay.ohlcv import Bar, OhlcvRead, SkippedRow, read_ohlcv
from bot.replay.spikes import SpikeRule, find_spikes

__all__ = ["BookShape", "Gap", "ImportResult", "ImportedPair", "SpikeRule", "import_ohlcv"]

_MAX_PRICE_HEADROOM = 10  # default max_price: 10x the highest scaled high
_DEFAULT_BOOK = BookShape()  # frozen: one shared default is safe
_DEFAULT_SPIKES = SpikeRule()


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
    duplicates_dropped: int = 0  # repeated bars (same timestamp) or trades (same id) left out
    conflicting_dropped: int = 0  # of those, bars that differed from the one kept (the first)
    spikes: tuple[int, ...] = ()  # ts_ms of the bars flagged as spikes, in order
    spike_rule: SpikeRule = _DEFAULT_SPIKES
    bid_ask: BidAskMethod = BidAskMethod.SYNTHETIC_SPREAD
    bid_ask_fallback_bars: int = 0  # trade_sides: bars that fell back to the synthetic spread

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


def import_ohlcv(
    csv_path: Path | str,
    pair: ImportedPair,
    *,
    book: BookShape = _DEFAULT_BOOK,
    spikes: SpikeRule = _DEFAULT_SPIKES,
    name: str | None = None,
    skip_malformed: bool = False,
    window: tuple[int | None, int | None] = (None, None),
    tape_step_ms: int = 60_000,
) -> ImportResult:
    """Import an OHLCV CSV as a one-pair dataset; the step is the most common timestamp difference.

    `window` keeps the bars in [start, end) (epoch ms, None: unbounded). Spikes are looked for
    among the bars kept. Raises ValueError for a factor or spread <= 0 or a depth ratio outside
    (0, 1]; DatasetError (file, line) for a malformed row (unless `skip_malformed`), fewer than
    two usable rows, or a price outside the given band.
    """
    if book.price_scale_factor <= 0 or book.spread_bps <= 0 or not 0 < book.depth_ratio <= 1:
        raise ValueError("price_scale_factor and spread_bps must be > 0, depth_ratio in (0, 1]")
    path = Path(csv_path)
    read = _windowed(read_ohlcv(path, skip_malformed=skip_malformed, tape_step_ms=tape_step_ms), window)
    flagged = find_spikes(read.bars, spikes.ratio)
    if spikes.drop and flagged:
        dropped = {bar.ts_ms for bar in flagged}
        read = replace(read, bars=tuple(bar for bar in read.bars if bar.ts_ms not in dropped))
    if len(read.bars) < 2:
        raise DatasetError(path, f"only {len(read.bars)} usable row(s)", "import at least two bars")
    step_ms = infer_step_ms([bar.ts_ms for bar in read.bars])
    rules = _pair_rules(pair, read, book)
    method = BidAskMethod.TRADE_SIDES if read.sides else BidAskMethod.SYNTHETIC_SPREAD
    modelled = BookModel(rules=rules, book=book, method=method).rows(path, read.bars)
    symbol = pair.symbol
    return ImportResult(
        dataset=Dataset(
            name=name or f"{symbol.lower()}-{path.stem}",
            step_ms=step_ms,
            pairs={symbol: rules},
            rows={symbol: modelled.rows},
        ),
        gaps=find_gaps([row.ts_ms for row in modelled.rows], step_ms),
        rows_read=read.rows_read,
        rows_skipped=len(read.skipped),
        skipped=read.skipped,
        duplicates_dropped=read.duplicates,
        conflicting_dropped=read.conflicting,
        spikes=tuple(bar.ts_ms for bar in flagged),
        spike_rule=spikes,
        bid_ask=modelled.method,
        bid_ask_fallback_bars=modelled.fallback_bars,
    )


def _windowed(read: OhlcvRead, window: tuple[int | None, int | None]) -> OhlcvRead:
    start_ms, end_ms = window
    if start_ms is None and end_ms is None:
        return read
    lo, hi = start_ms if start_ms is not None else -1, end_ms if end_ms is not None else 2**63
    return replace(read, bars=tuple(bar for bar in read.bars if lo <= bar.ts_ms < hi))


def _pair_rules(pair: ImportedPair, read: OhlcvRead, book: BookShape) -> PairRules:
    price_scale = pair.price_scale if pair.price_scale is not None else data_price_scale(read.bars, book)
    tick = pair.tick_size if pair.tick_size is not None else Decimal(1).scaleb(-price_scale)
    highest = max(bar.high for bar in read.bars) * book.price_scale_factor
    return PairRules(
        symbol=pair.symbol,
        base=pair.base,
        quote=pair.quote,
        quantity_scale=pair.quantity_scale,
        price_scale=price_scale,
        tick_size=tick,
        min_notional=pair.min_notional,
        min_price=tick if pair.min_price is None else pair.min_price,
        max_price=ceil_to_step(highest * _MAX_PRICE_HEADROOM, tick)
        if pair.max_price is None
        else pair.max_price,
    )


def modelled_rows(
    rules: PairRules, bars: Sequence[Bar], book: BookShape, *, source: Path
) -> tuple[MarketRow, ...]:
    """The book model around each close (`bot.replay.book_model`) over `bars` from any source (a
    download's candles): one row per bar. Raises DatasetError naming `source` and the bar's line
    for a row that breaks a rule of the pair."""
    return BookModel(rules=rules, book=book).rows(source, bars).rows


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
    book: BookShape = _DEFAULT_BOOK,
    **options: Any,
) -> ImportResult:
    """`import_ohlcv(csv_path, pair, book=book, **options)` written to `out_dir` with `write_dataset`.

    The manifest's `source` records the file, the scaling, the model (and its bid/ask method), the
    duplicates dropped, the spikes flagged or dropped and the gaps found.
    """
    result = import_ohlcv(csv_path, pair, book=book, **options)
    path = Path(csv_path)
    tape_step_ms = options.get("tape_step_ms", 60_000) if _is_tape_file(path) else None
    write_dataset(
        out_dir, result.dataset, _source(path, pair, book, result, tape_step_ms), overwrite=overwrite
    )
    return result


def _source(
    path: Path, pair: ImportedPair, book: BookShape, result: ImportResult, tape_step_ms: int | None
) -> str:
    if tape_step_ms is None:
        method = ""
    else:
        quotes = (
            "bid/ask the bar's last taker sell/buy price (the spread around the close where a side"
            " did not trade or bid >= ask)"
            if result.bid_ask is BidAskMethod.TRADE_SIDES
            else "the book modelled around each close"
        )
        method = (
            f" from a trade tape: bars of {tape_step_ms} ms, OHLC of trade prices,"
            f" volume the traded quote amount, {quotes}"
        )
    rule = result.spike_rule
    return (
        f"import_ohlcv {path.name} symbol={pair.symbol}{method}"
        f" price_scale_factor={canonical(book.price_scale_factor)}"
        f" spread_bps={canonical(book.spread_bps)}"
        f" depth_ratio={canonical(book.depth_ratio)}"
        f" rows_read={result.rows_read} rows_skipped={result.rows_skipped}"
        f" gaps={len(result.gaps)} missing_steps={result.missing_steps}"
        f" duplicates_dropped={result.duplicates_dropped}"
        f" spikes={len(result.spikes)} spikes_dropped={len(result.spikes) if rule.drop else 0}"
        f" spike_ratio={canonical(rule.ratio)}"
        f" bid_ask={result.bid_ask} bid_ask_fallback_bars={result.bid_ask_fallback_bars}"
    )
