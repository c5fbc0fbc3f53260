"""Creating replay datasets from the command line (`bot replay-init`, `bot replay-import`)."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path

from bot.app.errors import CommandError
from bot.replay import DEFAULT_PAIRS, DatasetError, import_ohlcv_to_dir, init_synthetic
from bot.replay.importer import BookShape, ImportedPair


def _ms_to_iso(ms: int) -> str:
    return datetime.fromtimestamp(ms / 1000, tz=UTC).strftime("%Y-%m-%d %H:%M")


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


def replay_import(
    csv_path: Path,
    out_dir: Path,
    *,
    symbol: str,
    price_scale_factor: Decimal,
    spread_bps: Decimal,
    overwrite: bool,
    start_ms: int | None = None,
    end_ms: int | None = None,
) -> str:
    if not symbol.endswith("TRY") and not symbol.endswith("USDT"):
        raise CommandError(f"--symbol {symbol}: expected a pair like BTCTRY or BTCUSDT")
    quote = "TRY" if symbol.endswith("TRY") else "USDT"
    base = symbol[: -len(quote)]
    try:
        result = import_ohlcv_to_dir(
            csv_path,
            out_dir,
            ImportedPair(symbol=symbol, base=base, quote=quote),
            overwrite=overwrite,
            book=BookShape(price_scale_factor=price_scale_factor, spread_bps=spread_bps),
            start_ms=start_ms,
            end_ms=end_ms,
        )
    except DatasetError as e:
        raise CommandError(str(e)) from e
    dataset = result.dataset
    lines = [
        f"wrote {out_dir}: {symbol}, {result.rows_read} rows read, {result.rows_skipped} skipped, "
        f"{_ms_to_iso(dataset.start_ms)} .. {_ms_to_iso(dataset.end_ms)} UTC, step {dataset.step_ms} ms",
        f"gaps: {len(result.gaps)} ({result.missing_steps} missing steps; left as gaps, not filled)",
    ]
    lines += [
        f"  {_ms_to_iso(g.start_ms)} .. {_ms_to_iso(g.end_ms)}: {g.missing_steps} missing"
        for g in result.gaps[:20]
    ]
    if len(result.gaps) > 20:
        lines.append(f"  ... and {len(result.gaps) - 20} more")
    return "\n".join(lines)
