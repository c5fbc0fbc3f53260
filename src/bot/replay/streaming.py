"""A replay dataset whose rows stay on disk: what a paper replay runs on, however long it is."""

from __future__ import annotations

import itertools
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path

from bot.domain.dataset import Dataset, MarketRow
from bot.replay.rows import RowSpan, open_rows, read_times


@dataclass(frozen=True, slots=True, kw_only=True)
class StreamingDataset(Dataset):
    """A checked dataset directory whose rows are read from its CSVs as they are needed.

    Built by `open_dataset` (after one checking pass over every row) or by the writer that has just
    written it. `rows` is empty: no row is held in memory. `open_rows(symbol)` walks a symbol's rows
    forward in `CHUNK_BYTES` blocks; this is how `ReplayMarketData` reads it. `row_at` and
    `rows_between` work too, by reading the file from its start up to the rows asked for, so they
    cost time in proportion to how far into the file they reach, never memory beyond their answer.
    """

    directory: Path
    spans: Mapping[str, RowSpan]  # per symbol: first and last ts_ms and the row count

    @property
    def symbols(self) -> tuple[str, ...]:
        return tuple(sorted(self.pairs))

    @property
    def start_ms(self) -> int:
        return min(span.first_ms for span in self.spans.values())

    @property
    def end_ms(self) -> int:
        return max(span.last_ms for span in self.spans.values())

    def open_rows(self, symbol: str) -> Iterator[MarketRow]:
        """`symbol`'s rows in time order, read lazily; raises KeyError for an unknown symbol and
        DatasetError (file, line) if the file no longer checks out when a row is reached."""
        return open_rows(self.directory / f"{symbol}.csv", self.pairs[symbol])

    def open_times(self, symbol: str) -> Iterator[int]:
        """`symbol`'s row times in order, read lazily without parsing the rest of each row."""
        return read_times(self.directory / f"{symbol}.csv")

    def row_at(self, symbol: str, ts_ms: int) -> MarketRow | None:
        if symbol not in self.pairs:
            return None
        current = None
        for row in self.open_rows(symbol):
            if row.ts_ms > ts_ms:
                break
            current = row
        return current

    def rows_between(self, symbol: str, after_ms: int, until_ms: int) -> tuple[MarketRow, ...]:
        if symbol not in self.pairs:
            return ()
        later = itertools.dropwhile(lambda row: row.ts_ms <= after_ms, self.open_rows(symbol))
        return tuple(itertools.takewhile(lambda row: row.ts_ms <= until_ms, later))
