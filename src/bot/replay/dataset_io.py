"""Load and write replay dataset directories (format `bot-replay/1`, see replays/README.md).

A directory holds `dataset.json` and one `<SYMBOL>.csv` per pair. Loading validates every row and
fails on the first problem with a `DatasetError` naming the file and line; nothing is repaired
silently. Rows are parsed with the csv module straight to Decimal (no float, no per-row pydantic)
so a month of minute bars loads in well under a second.
"""

from __future__ import annotations

import csv
from collections.abc import Sequence
from decimal import Decimal, InvalidOperation
from pathlib import Path

from bot.domain.dataset import Dataset, MarketRow
from bot.domain.money import canonical
from bot.domain.symbols import PairRules
from bot.replay.errors import DatasetError
from bot.replay.manifest import CSV_HEADER, MANIFEST_FILE, Manifest, manifest_json, read_manifest
from bot.replay.validation import check_row

__all__ = ["DatasetError", "load_dataset", "write_dataset"]

_HEADER_TEXT = ",".join(CSV_HEADER)


def load_dataset(path: Path | str) -> Dataset:
    """Load and validate the dataset directory at `path` (or its `dataset.json`).

    Raises DatasetError naming the file, the line and the fix for: a missing or unknown format,
    a missing pair CSV, a CSV for a symbol the manifest does not list, a bad header, a wrong
    column count, a non-decimal value, ts_ms not strictly increasing, a non-positive price or
    quantity, bid >= ask, a price off the pair's scale, tick or band, a quantity off its scale.
    """
    directory = Path(path)
    if directory.name == MANIFEST_FILE:
        directory = directory.parent
    if not directory.is_dir():
        raise DatasetError(directory, "not a directory", "pass the dataset directory holding dataset.json")
    manifest = read_manifest(directory)
    _check_csv_files(directory, manifest)
    rows = {rules.symbol: _read_rows(directory / f"{rules.symbol}.csv", rules) for rules in manifest.pairs}
    return Dataset(
        name=manifest.name,
        step_ms=manifest.step_ms,
        pairs={rules.symbol: rules for rules in manifest.pairs},
        rows=rows,
    )


def _check_csv_files(directory: Path, manifest: Manifest) -> None:
    listed = {rules.symbol for rules in manifest.pairs}
    present = {csv_path.stem for csv_path in directory.glob("*.csv")}
    unknown = sorted(present - listed)
    if unknown:
        raise DatasetError(
            directory / f"{unknown[0]}.csv",
            f"no pair {unknown[0]} in dataset.json",
            "add the pair to dataset.json 'pairs' or remove the file",
        )
    missing = sorted(listed - present)
    if missing:
        raise DatasetError(
            directory / f"{missing[0]}.csv",
            f"the CSV for pair {missing[0]} listed in dataset.json is missing",
            "restore the file or remove the pair from dataset.json",
        )


def _read_rows(csv_path: Path, rules: PairRules) -> tuple[MarketRow, ...]:
    rows: list[MarketRow] = []
    previous_ts_ms: int | None = None
    try:
        with csv_path.open(newline="", encoding="utf-8") as handle:
            reader = csv.reader(handle)
            header = next(reader, None)
            if header is None or tuple(column.strip() for column in header) != CSV_HEADER:
                found = "an empty file" if header is None else ",".join(header)
                raise DatasetError(
                    csv_path, f"bad header: expected {_HEADER_TEXT}, found {found}", "fix line 1", line=1
                )
            for fields in reader:
                if not fields:
                    continue  # a blank line (e.g. a trailing newline) carries no row
                row = _parse_row(csv_path, reader.line_num, fields)
                problem = check_row(rules, row, previous_ts_ms)
                if problem is not None:
                    raise DatasetError(csv_path, problem.what, problem.fix, line=reader.line_num)
                previous_ts_ms = row.ts_ms
                rows.append(row)
    except UnicodeDecodeError as e:
        raise DatasetError(csv_path, "not UTF-8 text", "save the CSV as UTF-8 (plain ASCII digits)") from e
    except csv.Error as e:
        raise DatasetError(csv_path, f"unreadable CSV ({e})", "repair the quoting", line=None) from e
    if not rows:
        raise DatasetError(csv_path, "no rows after the header", "add rows or remove the pair", line=2)
    return tuple(rows)


def _parse_row(csv_path: Path, line: int, fields: Sequence[str]) -> MarketRow:
    if len(fields) != len(CSV_HEADER):
        raise DatasetError(
            csv_path,
            f"expected {len(CSV_HEADER)} columns ({_HEADER_TEXT}), found {len(fields)}",
            "write one value per column, no trailing comma",
            line=line,
        )
    ts_text = fields[0].strip()
    if not (ts_text.isascii() and ts_text.isdigit()):
        raise DatasetError(
            csv_path, f"ts_ms {fields[0]!r} is not an integer", "write epoch milliseconds (UTC)", line=line
        )
    values: list[Decimal] = []
    for name, text in zip(CSV_HEADER[1:], fields[1:], strict=True):
        try:
            value = Decimal(text.strip())
        except InvalidOperation:
            value = Decimal("NaN")
        if not value.is_finite():
            raise DatasetError(
                csv_path,
                f"{name} {text!r} is not a decimal number",
                "write a plain decimal like 1.25",
                line=line,
            )
        values.append(value)
    bid, ask, last, bid_qty, ask_qty, volume = values
    return MarketRow(
        ts_ms=int(ts_text), bid=bid, ask=ask, last=last, bid_qty=bid_qty, ask_qty=ask_qty, volume=volume
    )


def write_dataset(path: Path | str, dataset: Dataset, source: str, *, overwrite: bool = False) -> None:
    """Write `dataset` to the directory `path` (created if needed), describing it with `source`.

    Every row is checked by the same rules as `load_dataset`, so what is written loads. The CSVs are
    written first and dataset.json last, each via a temporary file and a rename, so an interrupted
    write leaves no manifest. Raises DatasetError if a dataset already exists there and `overwrite`
    is false, or if a row breaks a rule (naming the file and the line it would have had).
    """
    directory = Path(path)
    pairs = _pairs_in_order(directory, dataset)
    manifest_path = directory / MANIFEST_FILE
    if manifest_path.exists() and not overwrite:
        raise DatasetError(
            manifest_path, "a dataset already exists here", "choose another directory or overwrite it"
        )
    for rules in pairs:
        _check_rows(directory / f"{rules.symbol}.csv", rules, dataset.rows[rules.symbol])
    directory.mkdir(parents=True, exist_ok=True)
    _remove_stale_csvs(directory, {rules.symbol for rules in pairs})
    for rules in pairs:
        _write_rows(directory / f"{rules.symbol}.csv", dataset.rows[rules.symbol])
    text = manifest_json(name=dataset.name, step_ms=dataset.step_ms, source=source, pairs=pairs)
    _replace_text(manifest_path, text)


def _pairs_in_order(directory: Path, dataset: Dataset) -> list[PairRules]:
    manifest_path = directory / MANIFEST_FILE
    if set(dataset.pairs) != set(dataset.rows):
        raise DatasetError(manifest_path, "the dataset's pairs and rows name different symbols", "match them")
    for symbol, rules in dataset.pairs.items():
        if rules.symbol != symbol:
            raise DatasetError(
                manifest_path, f"pair key {symbol} holds rules for {rules.symbol}", "match them"
            )
    return [dataset.pairs[symbol] for symbol in sorted(dataset.pairs)]


def _check_rows(csv_path: Path, rules: PairRules, rows: Sequence[MarketRow]) -> None:
    if not rows:
        raise DatasetError(csv_path, f"no rows for {rules.symbol}", "drop the pair or add rows", line=2)
    previous_ts_ms: int | None = None
    for line, row in enumerate(rows, start=2):
        problem = check_row(rules, row, previous_ts_ms)
        if problem is not None:
            raise DatasetError(csv_path, problem.what, problem.fix, line=line)
        previous_ts_ms = row.ts_ms


def _remove_stale_csvs(directory: Path, keep: set[str]) -> None:
    """Remove CSVs that the dataset being replaced listed and the new one does not."""
    try:
        previous = read_manifest(directory)
    except DatasetError:
        return  # nothing we wrote before: leave unknown files alone (load will name them)
    for rules in previous.pairs:
        if rules.symbol not in keep:
            (directory / f"{rules.symbol}.csv").unlink(missing_ok=True)


def _write_rows(csv_path: Path, rows: Sequence[MarketRow]) -> None:
    temporary = csv_path.with_name(csv_path.name + ".tmp")
    with temporary.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow(CSV_HEADER)
        writer.writerows(
            (
                str(row.ts_ms),
                canonical(row.bid),
                canonical(row.ask),
                canonical(row.last),
                canonical(row.bid_qty),
                canonical(row.ask_qty),
                canonical(row.volume),
            )
            for row in rows
        )
    temporary.replace(csv_path)


def _replace_text(path: Path, text: str) -> None:
    temporary = path.with_name(path.name + ".tmp")
    temporary.write_text(text, encoding="utf-8", newline="\n")
    temporary.replace(path)
