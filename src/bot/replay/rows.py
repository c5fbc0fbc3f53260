"""One pair's `<SYMBOL>.csv`, read and written a row at a time (format in replays/README.md).

Reading is lazy: the file is read from disk in `CHUNK_BYTES` blocks and each row is parsed, checked
and handed on as it is reached, so memory does not depend on the file's length. The on-disk format
stays the CSV: at ~70 bytes a row it is already compact, a row parses in about 8 µs (a cycle takes
over a millisecond), and the decimals are read from their text exactly as before, so a replay sees
the same `Decimal`s (down to their exponent) as when datasets were loaded whole.

Every row read or written is checked (`check_row`); a problem raises `DatasetError` naming the file
and the line (the header is line 1).
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from pathlib import Path

from bot.domain.dataset import MarketRow
from bot.domain.money import canonical
from bot.domain.symbols import PairRules
from bot.replay.errors import DatasetError, quoted
from bot.replay.manifest import CSV_HEADER
from bot.replay.validation import check_row

CHUNK_BYTES = 64 * 1024  # read from disk in blocks of this size
_HEADER_TEXT = ",".join(CSV_HEADER)


@dataclass(frozen=True, slots=True, kw_only=True)
class RowSpan:
    """What one pair's CSV holds: its first and last ts_ms and how many rows."""

    first_ms: int
    last_ms: int
    rows: int


def open_rows(csv_path: Path, rules: PairRules) -> Iterator[MarketRow]:
    """The rows of `csv_path`, checked against `rules`, read lazily in `CHUNK_BYTES` blocks.

    A generator: the file is opened on the first `next()` and closed when it is exhausted or
    dropped. Raises DatasetError (file, line) when it reaches a bad row, and for an empty file.
    """
    try:
        raw = csv_path.open("rb", buffering=0)
    except OSError as e:
        raise DatasetError(
            csv_path, f"cannot be read ({e.strerror or e})", "restore the file or its permissions"
        ) from e
    with raw:
        yield from stream_rows(csv_path, rules, raw)


def stream_rows(csv_path: Path, rules: PairRules, raw: io.RawIOBase) -> Iterator[MarketRow]:
    """The rows read from the unbuffered stream `raw` (named `csv_path` in errors), `CHUNK_BYTES` at
    a time. `raw` stays open: it belongs to the caller."""
    buffered = io.BufferedReader(raw, buffer_size=CHUNK_BYTES)
    text = io.TextIOWrapper(buffered, encoding="utf-8", newline="")
    try:
        yield from parse_rows(csv_path, rules, text)
    except UnicodeDecodeError as e:
        raise DatasetError(csv_path, "not UTF-8 text", "save the CSV as UTF-8 (plain ASCII digits)") from e
    except csv.Error as e:
        raise DatasetError(csv_path, f"unreadable CSV ({e})", "repair the quoting", line=None) from e
    finally:
        text.detach()  # unwrap without closing `raw`
        buffered.detach()


def parse_rows(csv_path: Path, rules: PairRules, lines: Iterable[str]) -> Iterator[MarketRow]:
    """Parse and check CSV `lines` (header first) lazily, one row per `next()`."""
    reader = csv.reader(lines)
    header = next(reader, None)
    if header is None or tuple(column.strip() for column in header) != CSV_HEADER:
        found = "an empty file" if header is None else quoted(",".join(header))
        raise DatasetError(
            csv_path, f"bad header: expected {_HEADER_TEXT}, found {found}", "fix line 1", line=1
        )
    previous_ts_ms: int | None = None
    for fields in reader:
        if not fields:
            continue  # a blank line (e.g. a trailing newline) carries no row
        row = _parse_row(csv_path, reader.line_num, fields)
        problem = check_row(rules, row, previous_ts_ms)
        if problem is not None:
            raise DatasetError(csv_path, problem.what, problem.fix, line=reader.line_num)
        previous_ts_ms = row.ts_ms
        yield row
    if previous_ts_ms is None:
        raise DatasetError(csv_path, "no rows after the header", "add rows or remove the pair", line=2)


def read_times(csv_path: Path) -> Iterator[int]:
    """The `ts_ms` of every row of `csv_path`, lazily, without parsing or checking the rest of the
    row: for a reader that only needs to know when rows are (the replay's gap fast-forward), on a
    file already checked by `open_dataset`. Raises DatasetError (file, line) for a `ts_ms` that is
    not an integer."""
    with csv_path.open(newline="", encoding="utf-8") as handle:
        reader = csv.reader(handle)
        next(reader, None)  # the header
        for fields in reader:
            if not fields:
                continue
            text = fields[0].strip()
            if not (text.isascii() and text.isdigit()):
                raise DatasetError(
                    csv_path,
                    f"ts_ms {fields[0]!r} is not an integer",
                    "write epoch milliseconds (UTC)",
                    line=reader.line_num,
                )
            yield int(text)


def scan_rows(csv_path: Path, rules: PairRules) -> RowSpan:
    """Check every row of `csv_path` in one pass, holding one row at a time. Raises DatasetError."""
    first_ms = last_ms = -1
    count = 0
    for row in open_rows(csv_path, rules):
        if count == 0:
            first_ms = row.ts_ms
        last_ms = row.ts_ms
        count += 1
    return RowSpan(first_ms=first_ms, last_ms=last_ms, rows=count)


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
                f"{name} {quoted(repr(text))} is not a decimal number",
                "write a plain decimal like 1.25",
                line=line,
            )
        values.append(value)
    bid, ask, last, bid_qty, ask_qty, volume = values
    return MarketRow(
        ts_ms=int(ts_text), bid=bid, ask=ask, last=last, bid_qty=bid_qty, ask_qty=ask_qty, volume=volume
    )


class RowWriter:
    """Writes one pair's CSV to `<SYMBOL>.csv.tmp`, checking each row as it is written.

    `finish()` closes it and returns its span; `commit()` renames it into place; `discard()`
    removes it. Raises DatasetError naming the line a bad row would have had.
    """

    def __init__(self, csv_path: Path, rules: PairRules) -> None:
        self.csv_path = csv_path
        self.temporary = csv_path.with_name(csv_path.name + ".tmp")
        self._rules = rules
        self._handle = self.temporary.open("w", newline="", encoding="utf-8")
        self._writer = csv.writer(self._handle, lineterminator="\n")
        self._writer.writerow(CSV_HEADER)
        self._first_ms: int | None = None
        self._last_ms: int | None = None
        self._rows = 0

    def write(self, row: MarketRow) -> None:
        problem = check_row(self._rules, row, self._last_ms)
        if problem is not None:
            raise DatasetError(self.csv_path, problem.what, problem.fix, line=self._rows + 2)
        self._writer.writerow(
            (
                str(row.ts_ms),
                canonical(row.bid),
                canonical(row.ask),
                canonical(row.last),
                canonical(row.bid_qty),
                canonical(row.ask_qty),
                canonical(row.volume),
            )
        )
        if self._first_ms is None:
            self._first_ms = row.ts_ms
        self._last_ms = row.ts_ms
        self._rows += 1

    @property
    def rows(self) -> int:
        return self._rows

    def finish(self) -> RowSpan:
        self._handle.close()
        if self._first_ms is None or self._last_ms is None:
            raise DatasetError(
                self.csv_path, f"no rows for {self._rules.symbol}", "drop the pair or add rows", line=2
            )
        return RowSpan(first_ms=self._first_ms, last_ms=self._last_ms, rows=self._rows)

    def commit(self) -> None:
        self.temporary.replace(self.csv_path)

    def discard(self) -> None:
        self._handle.close()
        self.temporary.unlink(missing_ok=True)
