"""`bot replay-download`: BTCTurk's candle history (graph-api, protocol §5.8) as a replay dataset.

Each pair's bars of `step` opening in [from, to) are read in pages (`BtcturkClient.candles`),
put in time order with duplicates dropped (the first kept, and counted), and turned into rows by
the importer's book model (`bot.replay.importer.modelled_rows`: `last` is the close, bid and ask
`spread_bps` apart around it, top-of-book depth a share of the bar's volume), under the pair's
rules as the exchange's exchangeinfo states them. Missing bars are reported as gaps, not filled.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING

from bot.app.errors import CommandError, CommandFailed
from bot.app.exchange_access import pair_rules_of, public_client, unreachable
from bot.config import Settings
from bot.domain.market import Candle
from bot.domain.money import canonical, exact_product
from bot.domain.symbols import PairRules
from bot.exchange.btcturk.paging import KLINES_PAGE_BARS
from bot.exchange.btcturk.requests import KLINE_RESOLUTIONS
from bot.exchange.errors import ExchangeError
from bot.replay import DatasetError, DatasetWriter, Gap
from bot.replay.importer import BookShape, find_gaps, modelled_rows
from bot.replay.manifest import MANIFEST_FILE
from bot.replay.ohlcv import Bar

_RATE_WAIT_S = 900.0  # longer than the graph API's ten-minute window

if TYPE_CHECKING:
    from bot.exchange.btcturk.sync_client import BtcturkClient

GAPS_LISTED = 10  # per symbol, in the text summary (the JSON has them all)


def _ms_to_iso(ms: int) -> str:
    return datetime.fromtimestamp(ms / 1000, tz=UTC).strftime("%Y-%m-%d %H:%M")


def step_name(step_ms: int) -> str:
    """60_000 -> '1m', 14_400_000 -> '4h', 86_400_000 -> '1d' (as --step takes them)."""
    for unit_ms, unit in ((86_400_000, "d"), (3_600_000, "h"), (60_000, "m"), (1000, "s")):
        if step_ms % unit_ms == 0:
            return f"{step_ms // unit_ms}{unit}"
    return f"{step_ms}ms"


@dataclass(frozen=True, slots=True, kw_only=True)
class SymbolDownload:
    symbol: str
    rows: int
    gaps: tuple[Gap, ...]
    duplicates: int  # bars received more than once (the first kept)
    requests: int

    @property
    def missing_steps(self) -> int:
        return sum(gap.missing_steps for gap in self.gaps)

    def document(self) -> dict[str, object]:
        return {
            "symbol": self.symbol,
            "rows": self.rows,
            "missing_steps": self.missing_steps,
            "duplicates": self.duplicates,
            "requests": self.requests,
            "gaps": [
                {"start_ms": g.start_ms, "end_ms": g.end_ms, "missing_steps": g.missing_steps}
                for g in self.gaps
            ],
        }


@dataclass(frozen=True, slots=True, kw_only=True)
class DownloadSummary:
    out_dir: Path
    window: tuple[int, int]  # [start, end) epoch ms, start on the step
    step_ms: int
    graph_url: str
    symbols: tuple[SymbolDownload, ...]

    def document(self) -> dict[str, object]:
        return {
            "dataset": str(self.out_dir),
            "start_ms": self.window[0],
            "end_ms": self.window[1],
            "step_ms": self.step_ms,
            "graph_url": self.graph_url,
            "symbols": [symbol.document() for symbol in self.symbols],
        }

    def text(self) -> str:
        start, end = self.window
        written = [s.symbol for s in self.symbols if s.rows]
        lines = [
            f"wrote {self.out_dir}: {', '.join(written)}, bars of {self.step_ms} ms opening in"
            f" {_ms_to_iso(start)} .. {_ms_to_iso(end)} UTC (end excluded), from {self.graph_url}"
        ]
        for s in self.symbols:
            if not s.rows:
                lines.append(f"{s.symbol}: no bars in the window; left out of the dataset")
                continue
            lines.append(
                f"{s.symbol}: {s.rows} rows in {s.requests} requests, {len(s.gaps)} gaps"
                f" ({s.missing_steps} missing steps; left as gaps, not filled), {s.duplicates} duplicates"
            )
            lines += [
                f"  {_ms_to_iso(g.start_ms)} .. {_ms_to_iso(g.end_ms)}: {g.missing_steps} missing"
                for g in s.gaps[:GAPS_LISTED]
            ]
            if len(s.gaps) > GAPS_LISTED:
                lines.append(f"  ... and {len(s.gaps) - GAPS_LISTED} more")
        return "\n".join(lines)


def replay_download(
    settings: Settings,
    out_dir: Path,
    *,
    symbols: tuple[str, ...],
    window: tuple[int, int],
    step_ms: int,
    spread_bps: Decimal = Decimal(5),
    overwrite: bool = False,
    page_bars: int = KLINES_PAGE_BARS,
) -> DownloadSummary:
    """Download `symbols`' bars of `step_ms` opening in `window` ([start, end) epoch ms; the start
    is moved up to the step) into the dataset directory `out_dir`. Raises CommandError (exit 2) for
    a bad window or step, an unlisted symbol or an existing dataset without `overwrite`;
    CommandFailed (exit 1) when the exchange cannot be read or has no bar in the window."""
    window = _checked_window(window, step_ms)
    if (out_dir / MANIFEST_FILE).exists() and not overwrite:
        raise CommandError(f"{out_dir} already holds a dataset; pass --overwrite to replace it")
    window = _up_to_now(window, step_ms)
    client = public_client(_patient(settings))
    try:
        rules = pair_rules_of(client, settings, symbols)
        read = {symbol: _download(client, settings, symbol, step_ms, window, page_bars) for symbol in symbols}
    finally:
        client.close()
    if not any(downloaded.rows for _, downloaded in read.values()):
        raise CommandFailed(
            f"the exchange has no {', '.join(symbols)} bars opening in {_ms_to_iso(window[0])} .."
            f" {_ms_to_iso(window[1])} UTC; choose a window it has data for"
        )
    summary = DownloadSummary(
        out_dir=out_dir,
        window=window,
        step_ms=step_ms,
        graph_url=settings.exchange.graph_base_url,
        symbols=tuple(downloaded for _, downloaded in read.values()),
    )
    candles = {symbol: bars for symbol, (bars, _) in read.items()}
    try:
        _write(summary, rules, candles, BookShape(spread_bps=spread_bps), overwrite=overwrite)
    except DatasetError as e:
        raise CommandError(str(e)) from e
    return summary


def _write(
    summary: DownloadSummary,
    rules: dict[str, PairRules],
    candles: dict[str, list[Candle]],
    book: BookShape,
    *,
    overwrite: bool,
) -> None:
    """The dataset, through `DatasetWriter`: a pair without bars is left out."""
    out_dir, pairs = summary.out_dir, list(rules.values())
    name = _name(summary.step_ms, summary.window)
    with DatasetWriter(out_dir, name=name, step_ms=summary.step_ms, pairs=pairs, overwrite=overwrite) as out:
        for symbol, bars in candles.items():
            modelled = [_bar(index, candle) for index, candle in enumerate(bars)]
            for row in modelled_rows(rules[symbol], modelled, book, source=out_dir / f"{symbol}.csv"):
                out.write(symbol, row)
        out.commit(_source(summary, book), drop_empty=True)


def _patient(settings: Settings) -> Settings:
    """A download waits its turn in the rate budget (a year of minutes is more pages than the
    graph API allows in ten minutes) instead of giving up after `exchange.max_rate_wait_s`."""
    exchange = settings.exchange.model_copy(update={"max_rate_wait_s": _RATE_WAIT_S})
    return settings.model_copy(update={"exchange": exchange})


def _up_to_now(window: tuple[int, int], step_ms: int) -> tuple[int, int]:
    """The window cut at the bar still forming now: no partial bar, no future reported as a gap.
    Raises CommandError when nothing of it has closed yet."""
    forming = time.time_ns() // 1_000_000 // step_ms * step_ms
    start, end = window[0], min(window[1], forming)
    if start >= end:
        raise CommandError(
            f"no {step_name(step_ms)} bar of the window has closed yet; choose an earlier --from"
        )
    return start, end


def _checked_window(window: tuple[int, int], step_ms: int) -> tuple[int, int]:
    if step_ms not in KLINE_RESOLUTIONS:
        served = ", ".join(step_name(ms) for ms in KLINE_RESOLUTIONS)
        raise CommandError(f"--step {step_name(step_ms)}: the graph API serves bars of {served}; pick one")
    start, end = window
    if start >= end:
        raise CommandError(
            f"--from {_ms_to_iso(start)} is not before --to {_ms_to_iso(end)}:"
            " give a window whose --from comes first"
        )
    aligned = -(-start // step_ms) * step_ms  # bars open on multiples of the step
    if aligned >= end:
        raise CommandError(f"no {step_name(step_ms)} bar opens between --from and --to; widen the window")
    return aligned, end


def _download(
    client: BtcturkClient,
    settings: Settings,
    symbol: str,
    step_ms: int,
    window: tuple[int, int],
    page_bars: int,
) -> tuple[list[Candle], SymbolDownload]:
    """The window's candles of `symbol` in time order, each once (the first received kept), and
    what the download found: rows, gaps, duplicates, requests."""
    try:
        read = client.candles(symbol, step_ms, window, page_bars)
    except ExchangeError as error:
        raise unreachable(error, settings.exchange.graph_base_url, "exchange.graph_base_url") from error
    inside = [candle for candle in read.candles if window[0] <= candle.ts_ms < window[1]]
    first_seen: dict[int, Candle] = {}
    for candle in inside:
        first_seen.setdefault(candle.ts_ms, candle)
    candles = sorted(first_seen.values(), key=lambda candle: candle.ts_ms)
    gaps = _window_gaps([candle.ts_ms for candle in candles], window, step_ms) if candles else ()
    downloaded = SymbolDownload(
        symbol=symbol,
        rows=len(candles),
        gaps=gaps,
        duplicates=len(inside) - len(candles),
        requests=read.requests,
    )
    return candles, downloaded


def _bar(index: int, candle: Candle) -> Bar:
    return Bar(
        line=index + 2,  # the CSV line its row goes to (the header is line 1)
        ts_ms=candle.ts_ms,
        open=candle.open,
        high=candle.high,
        low=candle.low,
        close=candle.close,
        quote_volume=exact_product(candle.close, candle.volume),
        base_volume=candle.volume,
    )


def _window_gaps(timestamps: list[int], window: tuple[int, int], step_ms: int) -> tuple[Gap, ...]:
    """Missing bars anywhere in the window, its edges included."""
    start, end = window
    last_slot = start + (end - start - 1) // step_ms * step_ms
    return find_gaps([start - step_ms, *timestamps, last_slot + step_ms], step_ms)


def _name(step_ms: int, window: tuple[int, int]) -> str:
    return f"btcturk-{step_name(step_ms)}-{_ms_to_iso(window[0])[:10]}"


def _source(summary: DownloadSummary, book: BookShape) -> str:
    start, end = summary.window
    per_symbol = " ".join(
        f"{s.symbol}:rows={s.rows},gaps={len(s.gaps)},missing_steps={s.missing_steps},"
        f"duplicates={s.duplicates}"
        for s in summary.symbols
    )
    return (
        f"replay-download {summary.graph_url}/v1/klines/history"
        f" resolution={KLINE_RESOLUTIONS[summary.step_ms]} window_ms=[{start},{end});"
        " pair rules from exchangeinfo; last = each bar's close, bid/ask modelled around it:"
        f" spread_bps={canonical(book.spread_bps)} depth_ratio={canonical(book.depth_ratio)};"
        f" {per_symbol}"
    )
