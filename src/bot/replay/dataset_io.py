"""Open, load and write replay dataset directories (format `bot-replay/1`, see replays/README.md).

A directory holds `dataset.json` and one `<SYMBOL>.csv` per pair. Every row is checked and the first
problem raises a `DatasetError` naming the file and line; nothing is repaired silently.

- `open_dataset` checks every row in one streaming pass and returns a `StreamingDataset` that reads
  its rows from disk as a replay reaches them: memory does not grow with the dataset's length.
- `load_dataset` reads every row into memory (the simulator and tests, which jump around in time).
- `write_dataset` / `DatasetWriter` write rows as they come, checked, through temporary files.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from types import TracebackType

from bot.domain.dataset import Dataset, MarketRow
from bot.domain.symbols import PairRules
from bot.replay.errors import DatasetError
from bot.replay.manifest import MANIFEST_FILE, Manifest, manifest_json, read_manifest
from bot.replay.rows import RowSpan, RowWriter, open_rows, scan_rows
from bot.replay.streaming import StreamingDataset

__all__ = ["DatasetError", "DatasetWriter", "load_dataset", "open_dataset", "write_dataset"]


def open_dataset(path: Path | str) -> StreamingDataset:
    """Check the dataset directory at `path` (or its `dataset.json`) without loading its rows.

    Reads every CSV once, a row at a time, so a bad row anywhere is refused before a replay starts.
    Raises DatasetError for everything `load_dataset` does.
    """
    directory, manifest = _checked_directory(path)
    spans = {rules.symbol: scan_rows(directory / f"{rules.symbol}.csv", rules) for rules in manifest.pairs}
    return _streaming(directory, manifest.name, manifest.step_ms, manifest.pairs, spans)


def load_dataset(path: Path | str) -> Dataset:
    """Load and validate the dataset directory at `path` (or its `dataset.json`), every row in memory.

    Raises DatasetError naming the file, the line and the fix for: a missing or unknown format,
    a missing pair CSV, a CSV for a symbol the manifest does not list, a bad header, a wrong
    column count, a non-decimal value, ts_ms not strictly increasing, a non-positive price or
    quantity, bid >= ask, a price off the pair's scale, tick or band, a quantity off its scale.
    """
    directory, manifest = _checked_directory(path)
    rows = {
        rules.symbol: tuple(open_rows(directory / f"{rules.symbol}.csv", rules)) for rules in manifest.pairs
    }
    return Dataset(
        name=manifest.name,
        step_ms=manifest.step_ms,
        pairs={rules.symbol: rules for rules in manifest.pairs},
        rows=rows,
    )


def _checked_directory(path: Path | str) -> tuple[Path, Manifest]:
    directory = Path(path)
    if directory.name == MANIFEST_FILE:
        directory = directory.parent
    if not directory.is_dir():
        raise DatasetError(directory, "not a directory", "pass the dataset directory holding dataset.json")
    manifest = read_manifest(directory)
    _check_csv_files(directory, manifest)
    return directory, manifest


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


def _streaming(
    directory: Path, name: str, step_ms: int, pairs: Sequence[PairRules], spans: dict[str, RowSpan]
) -> StreamingDataset:
    return StreamingDataset(
        name=name,
        step_ms=step_ms,
        pairs={rules.symbol: rules for rules in pairs},
        rows={},
        directory=directory,
        spans=spans,
    )


def write_dataset(path: Path | str, dataset: Dataset, source: str, *, overwrite: bool = False) -> None:
    """Write `dataset` to the directory `path` (created if needed), describing it with `source`.

    Every row is checked by the same rules as `load_dataset`, so what is written loads. The CSVs are
    written first and dataset.json last, each via a temporary file and a rename, so an interrupted
    write leaves no manifest. Raises DatasetError if a dataset already exists there and `overwrite`
    is false, or if a row breaks a rule (naming the file and the line it would have had).
    """
    pairs = _pairs_in_order(Path(path), dataset)
    with DatasetWriter(
        path, name=dataset.name, step_ms=dataset.step_ms, pairs=pairs, overwrite=overwrite
    ) as out:
        for rules in pairs:
            for row in dataset.rows[rules.symbol]:
                out.write(rules.symbol, row)
        out.commit(source)


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


class DatasetWriter:
    """Writes a dataset directory row by row, in any order across pairs, holding no rows.

        with DatasetWriter(out_dir, name="x", step_ms=60_000, pairs=rules) as out:
            for symbol, row in rows:
                out.write(symbol, row)
            dataset = out.commit(source)

    Each pair goes to a temporary file, checked as it is written. `commit` renames them into place
    (removing the CSVs of pairs an overwritten dataset had and this one lacks) and writes
    dataset.json last. Leaving the block without `commit` (an error) removes the temporary files,
    and the directory if this writer created it, so a failed write leaves no dataset behind.
    """

    def __init__(
        self,
        path: Path | str,
        *,
        name: str,
        step_ms: int,
        pairs: Sequence[PairRules],
        overwrite: bool = False,
    ) -> None:
        self.directory = Path(path)
        manifest_path = self.directory / MANIFEST_FILE
        if manifest_path.exists() and not overwrite:
            raise DatasetError(
                manifest_path, "a dataset already exists here", "choose another directory or overwrite it"
            )
        self._name, self._step_ms = name, step_ms
        self._pairs = sorted(pairs, key=lambda rules: rules.symbol)
        self._created = not self.directory.exists()
        self.directory.mkdir(parents=True, exist_ok=True)
        self._writers: dict[str, RowWriter] = {}
        try:
            for rules in self._pairs:
                self._writers[rules.symbol] = RowWriter(self.directory / f"{rules.symbol}.csv", rules)
        except BaseException:
            self._discard()
            raise
        self._committed: StreamingDataset | None = None

    def write(self, symbol: str, row: MarketRow) -> None:
        """Append `row` to `symbol`'s CSV. Raises DatasetError (file, line) for a row that breaks
        a rule, KeyError for a symbol not among the pairs."""
        self._writers[symbol].write(row)

    def commit(self, source: str, *, drop_empty: bool = False) -> StreamingDataset:
        """Put the CSVs in place, then dataset.json describing them with `source`; the written dataset.

        A pair given no row raises DatasetError, unless `drop_empty`: it is then left out (a capture
        that heard nothing of one symbol keeps the others); no row for any pair still raises."""
        if drop_empty:
            self._drop_pairs_without_rows()
        spans = {symbol: writer.finish() for symbol, writer in self._writers.items()}
        _remove_stale_csvs(self.directory, set(self._writers))
        for writer in self._writers.values():
            writer.commit()
        text = manifest_json(name=self._name, step_ms=self._step_ms, source=source, pairs=self._pairs)
        _replace_text(self.directory / MANIFEST_FILE, text)
        self._committed = _streaming(self.directory, self._name, self._step_ms, self._pairs, spans)
        return self._committed

    @property
    def rows_written(self) -> dict[str, int]:
        """Rows written so far, per symbol."""
        return {symbol: writer.rows for symbol, writer in self._writers.items()}

    def _drop_pairs_without_rows(self) -> None:
        empty = [symbol for symbol, writer in self._writers.items() if writer.rows == 0]
        if len(empty) == len(self._writers):
            return  # `finish` names the first of them
        for symbol in empty:
            self._writers.pop(symbol).discard()
        self._pairs = [rules for rules in self._pairs if rules.symbol in self._writers]

    def __enter__(self) -> DatasetWriter:
        return self

    def __exit__(
        self, kind: type[BaseException] | None, error: BaseException | None, tb: TracebackType | None
    ) -> None:
        if self._committed is None:
            self._discard()

    def _discard(self) -> None:
        for writer in self._writers.values():
            writer.discard()
        if self._created and not any(self.directory.iterdir()):
            self.directory.rmdir()


def _remove_stale_csvs(directory: Path, keep: set[str]) -> None:
    """Remove CSVs that the dataset being replaced listed and the new one does not."""
    try:
        previous = read_manifest(directory)
    except DatasetError:
        return  # nothing we wrote before: leave unknown files alone (load will name them)
    for rules in previous.pairs:
        if rules.symbol not in keep:
            (directory / f"{rules.symbol}.csv").unlink(missing_ok=True)


def _replace_text(path: Path, text: str) -> None:
    temporary = path.with_name(path.name + ".tmp")
    temporary.write_text(text, encoding="utf-8", newline="\n")
    temporary.replace(path)
