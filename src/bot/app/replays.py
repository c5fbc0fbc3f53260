"""Creating replay datasets from the command line (`bot replay-init`, `bot replay-import`)."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path

from bot.app.errors import CommandError
from bot.domain.money import canonical
from bot.domain.symbols import known_quote
from bot.replay import DEFAULT_PAIRS, DatasetError, import_ohlcv_to_dir, init_synthetic
from bot.replay.book_model import BidAskMethod
from bot.replay.importer import BookShape, ImportedPair, ImportResult
from bot.replay.importer import SpikeRule as SpikeRule  # for the CLI, which goes through app

_LISTED_GAPS = 20  # gaps listed one a line in the summary; the rest are counted
_LISTED_SPIKES = 5


def _ms_to_iso(ms: int, *, seconds: bool = False) -> str:
    return datetime.fromtimestamp(ms / 1000, tz=UTC).strftime(
        "%Y-%m-%d %H:%M:%S" if seconds else "%Y-%m-%d %H:%M"
    )


def _conflicting(result: ImportResult) -> str:
    """A repeated bar that differs is not a harmless copy: the first was kept; say how many."""
    n = result.conflicting_dropped
    return f" ({n} of them differed from the first bar of their time, which was kept)" if n else ""


def replay_init(
    out_dir: Path, *, seed: int, steps: int, step_ms: int, symbols: tuple[str, ...], overwrite: bool
) -> str:
    unknown = [s for s in symbols if s not in DEFAULT_PAIRS]
    if unknown:
        raise CommandError(
            f"--symbol: {', '.join(unknown)} unknown; choose from {', '.join(sorted(DEFAULT_PAIRS))}"
        )
    try:
        dataset = init_synthetic(
            out_dir, seed=seed, steps=steps, step_ms=step_ms, symbols=symbols or None, overwrite=overwrite
        )
    except DatasetError as e:
        raise CommandError(f"{e} (pass --overwrite to replace it)" if out_dir.exists() else str(e)) from e
    return (
        f"wrote {out_dir}: {len(dataset.symbols)} symbols ({', '.join(dataset.symbols)}), {steps} steps of "
        f"{step_ms} ms, {_ms_to_iso(dataset.start_ms)} .. {_ms_to_iso(dataset.end_ms)} UTC, seed {seed}"
    )


def split_symbol(symbol: str, quote: str | None = None) -> tuple[str, str]:
    """(base, quote) of `symbol` (`XRPETH` -> XRP, ETH). Raises CommandError when neither `quote`
    nor a known quote asset ends the symbol."""
    symbol = symbol.upper()
    if quote is None:
        found = known_quote(symbol)
    else:
        named = quote.upper()
        found = named if symbol.endswith(named) and len(symbol) > len(named) else None
    if found is not None:
        return symbol[: -len(found)], found
    hint = (
        f"it does not end with {quote}" if quote else "name its quote asset with --quote (e.g. --quote ETH)"
    )
    raise CommandError(f"--symbol {symbol}: cannot tell its base from its quote; {hint}")


def default_min_notional(quote: str) -> Decimal:
    """The smallest order the imported pair allows, in its quote asset: BTCTurk's for TRY, a
    round 10 for dollar and euro quotes, a small amount of a crypto quote."""
    if quote == "TRY":
        return Decimal("99.91")
    if quote in ("USDT", "USDC", "BUSD", "DAI", "USD", "EUR", "GBP"):
        return Decimal(10)
    return Decimal("0.0001")


def replay_import(
    csv_path: Path,
    out_dir: Path,
    *,
    symbol: str,
    price_scale_factor: Decimal | None,
    spread_bps: Decimal,
    overwrite: bool,
    window: tuple[int | None, int | None] = (None, None),
    spikes: SpikeRule | None = None,
    **read: object,
) -> str:
    """Import `csv_path` into `out_dir` as `symbol` (split into base and quote, or with
    `quote=` named); `window` keeps the bars in [start, end) (epoch ms, None: unbounded);
    `tape_step_ms=` is the bar a trade tape is aggregated into (default one minute). Returns the
    summary: rows, duplicates, gaps, spikes and how bid/ask were made."""
    quote = read.get("quote")
    assert quote is None or isinstance(quote, str)
    tape_step_ms = read.get("tape_step_ms", 60_000)
    assert isinstance(tape_step_ms, int)
    symbol = symbol.upper()
    base, quote = split_symbol(symbol, quote)
    known = DEFAULT_PAIRS.get(symbol)  # a pair BTCTurk lists: keep its price scale (BTCTRY: whole lira)
    factor = (
        price_scale_factor
        if price_scale_factor is not None
        else (Decimal(35) if quote == "TRY" else Decimal(1))
    )
    try:
        result = import_ohlcv_to_dir(
            csv_path,
            out_dir,
            ImportedPair(
                symbol=symbol,
                base=base,
                quote=quote,
                min_notional=default_min_notional(quote),
                price_scale=None if known is None else known.rules.price_scale,
            ),
            overwrite=overwrite,
            book=BookShape(price_scale_factor=factor, spread_bps=spread_bps),
            spikes=spikes or SpikeRule(),
            window=window,
            tape_step_ms=tape_step_ms,
        )
    except DatasetError as e:
        raise CommandError(str(e)) from e
    return import_summary(out_dir, symbol, result, spread_bps)


def import_summary(out_dir: Path, symbol: str, result: ImportResult, spread_bps: Decimal) -> str:
    """What `bot replay-import` prints: what was written, then one section per data-quality finding."""
    dataset = result.dataset
    lines = [
        f"wrote {out_dir}: {symbol}, {result.rows_read} rows read, {result.rows_skipped} skipped, "
        f"{result.duplicates_dropped} duplicates dropped{_conflicting(result)}, "
        f"{_ms_to_iso(dataset.start_ms)} .. {_ms_to_iso(dataset.end_ms)} UTC, step {dataset.step_ms} ms",
        f"gaps: {len(result.gaps)} ({result.missing_steps} missing steps; left as gaps, not filled)",
    ]
    lines += [
        f"  {_ms_to_iso(g.start_ms)} .. {_ms_to_iso(g.end_ms)}: {g.missing_steps} missing"
        for g in result.gaps[:_LISTED_GAPS]
    ]
    if len(result.gaps) > _LISTED_GAPS:
        lines.append(f"  ... and {len(result.gaps) - _LISTED_GAPS} more")
    lines.append(_spike_line(result))
    if result.bid_ask is BidAskMethod.TRADE_SIDES:
        lines.append(
            f"bid/ask: each bar's last taker sell / buy price; {result.bid_ask_fallback_bars} of "
            f"{len(dataset.rows[symbol])} bars fell back to the {spread_bps} bps spread around the close"
        )
    else:
        lines.append(f"bid/ask: a {spread_bps} bps spread around each close")
    return "\n".join(lines)


def _spike_line(result: ImportResult) -> str:
    rule = result.spike_rule
    line = (
        f"spikes: {len(result.spikes)} (close more than {canonical(rule.ratio * 100)}% from both neighbours)"
    )
    if not result.spikes:
        return line
    shown = ", ".join(_ms_to_iso(ts_ms, seconds=True) for ts_ms in result.spikes[:_LISTED_SPIKES])
    more = f" and {len(result.spikes) - _LISTED_SPIKES} more" if len(result.spikes) > _LISTED_SPIKES else ""
    what = "dropped (left as gaps)" if rule.drop else "kept; --drop-spikes leaves them out"
    return f"{line}, {what}: {shown}{more}"
