"""Read OHLCV bar CSVs (e.g. exchange minute-bar dumps) into validated bars.

Expected columns, by name (order free, extra columns ignored): `timestamp` (ISO 8601, e.g.
`2022-01-01 00:00:00.000000`; naive means UTC), `open`, `high`, `low`, `close`, and `volume` in
the quote currency. A malformed row either raises `DatasetError` naming the file and line, or, with
`skip_malformed`, is left out and reported as a `SkippedRow` carrying the same message. A row whose
timestamp repeats the previous row's is a duplicate: the first is kept, the others are dropped and
counted (`OhlcvRead.duplicates`).
"""

from __future__ import annotations

import csv
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from decimal import Decimal, InvalidOperation
from pathlib import Path

from bot.replay.errors import DatasetError, quoted

OHLCV_COLUMNS = ("timestamp", "open", "high", "low", "close", "volume")
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_ONE_MS = timedelta(milliseconds=1)


@dataclass(frozen=True, slots=True, kw_only=True)
class Bar:
    line: int  # where it came from, for error messages
    ts_ms: int
    open: Decimal
    high: Decimal
    low: Decimal
    close: Decimal
    quote_volume: Decimal
    base_volume: Decimal | None = None  # when the source states it (graph-api candles); else derived
    # From a trade tape with sides: the price of the bar's last taker-sell trade (it hit the bid)
    # and of its last taker-buy trade (it lifted the ask); None when the bar had no such trade.
    last_sell: Decimal | None = None
    last_buy: Decimal | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class SkippedRow:
    path: Path
    line: int
    problem: str

    @property
    def message(self) -> str:
        return f"{self.path}:{self.line}: {self.problem}"


@dataclass(frozen=True, slots=True, kw_only=True)
class OhlcvRead:
    bars: tuple[Bar, ...]
    skipped: tuple[SkippedRow, ...]
    rows_read: int  # data rows in the file (not counting the header or blank lines)
    duplicates: int = 0  # rows dropped as repeats (a bar's timestamp, a trade's id)
    conflicting: int = 0  # of those, bars whose prices or volume differed from the bar kept
    sides: bool = False  # a trade tape whose bars carry `last_sell`/`last_buy`


class _BadRow(ValueError):
    pass


def read_ohlcv(path: Path, *, skip_malformed: bool = False, tape_step_ms: int = 60_000) -> OhlcvRead:
    """Read every bar of `path`; timestamps must not go back (a repeated one is a duplicate,
    dropped and counted). A trade tape (a header naming
    a timestamp, a price and an amount: `bot.replay.trade_tape`) is aggregated into bars of
    `tape_step_ms`. Raises DatasetError (file, line)."""
    if _header_is_tape(path):
        from bot.replay.trade_tape import read_trade_tape

        try:
            return read_trade_tape(path, tape_step_ms, skip_malformed=skip_malformed)
        except csv.Error as e:
            raise DatasetError(path, f"unreadable CSV ({e})", "repair the quoting") from e
    bars: list[Bar] = []
    skipped: list[SkippedRow] = []
    rows_read = duplicates = conflicting = 0
    try:
        with path.open(newline="", encoding="utf-8-sig") as handle:
            reader = csv.reader(handle)
            columns = _column_indexes(path, next(reader, None))
            for fields in reader:
                if not fields:
                    continue
                rows_read += 1
                try:
                    bar = _parse_bar(reader.line_num, fields, columns, bars[-1].ts_ms if bars else None)
                except _BadRow as e:
                    if not skip_malformed:
                        raise DatasetError(
                            path,
                            str(e),
                            "correct or delete the row (or import with skip_malformed)",
                            line=reader.line_num,
                        ) from e
                    skipped.append(SkippedRow(path=path, line=reader.line_num, problem=str(e)))
                    continue
                if bars and bar.ts_ms == bars[-1].ts_ms:
                    duplicates += 1
                    conflicting += _prices_and_volume(bar) != _prices_and_volume(bars[-1])
                    continue
                bars.append(bar)
    except FileNotFoundError as e:
        raise DatasetError(path, "file not found", "check the path to the OHLCV CSV") from e
    except UnicodeDecodeError as e:
        raise DatasetError(path, "not UTF-8 text", "convert the file to UTF-8") from e
    except csv.Error as e:
        raise DatasetError(path, f"unreadable CSV ({e})", "repair the quoting") from e
    return OhlcvRead(
        bars=tuple(bars),
        skipped=tuple(skipped),
        rows_read=rows_read,
        duplicates=duplicates,
        conflicting=conflicting,
    )


def _prices_and_volume(bar: Bar) -> tuple[Decimal, ...]:
    return (bar.open, bar.high, bar.low, bar.close, bar.quote_volume)


def _header_is_tape(path: Path) -> bool:
    from bot.replay.trade_tape import is_trade_tape

    try:
        with path.open(newline="", encoding="utf-8-sig") as handle:
            return is_trade_tape(next(csv.reader(handle), None))
    except (OSError, UnicodeDecodeError, csv.Error):
        return False  # read_ohlcv below says what is wrong with the file


def _column_indexes(path: Path, header: Sequence[str] | None) -> tuple[int, ...]:
    names = [column.strip().lower() for column in header or ()]
    missing = [column for column in OHLCV_COLUMNS if column not in names]
    if missing:
        raise DatasetError(
            path,
            f"bad header: missing column(s) {', '.join(missing)}"
            f" (found {quoted(','.join(names)) or 'nothing'})",
            f"the first line must name the columns {','.join(OHLCV_COLUMNS)}",
            line=1,
        )
    return tuple(names.index(column) for column in OHLCV_COLUMNS)


def _parse_bar(line: int, fields: Sequence[str], columns: tuple[int, ...], previous_ts_ms: int | None) -> Bar:
    if len(fields) <= max(columns):
        raise _BadRow(f"expected at least {max(columns) + 1} columns, found {len(fields)}")
    ts_ms = _parse_timestamp(fields[columns[0]])
    open_, high, low, close, volume = (
        _parse_decimal(name, fields[index])
        for name, index in zip(OHLCV_COLUMNS[1:], columns[1:], strict=True)
    )
    if min(open_, high, low, close) <= 0:
        raise _BadRow(f"prices must be positive (open {open_}, high {high}, low {low}, close {close})")
    if not low <= min(open_, close) <= max(open_, close) <= high:
        raise _BadRow(
            f"inconsistent bar: low {low} / high {high} do not bound open {open_} and close {close}"
        )
    if volume < 0:
        raise _BadRow(f"volume {volume} is negative")
    if previous_ts_ms is not None and ts_ms < previous_ts_ms:
        raise _BadRow(f"timestamp {fields[columns[0]].strip()} is before the previous row's")
    return Bar(line=line, ts_ms=ts_ms, open=open_, high=high, low=low, close=close, quote_volume=volume)


# Whole numbers of these lengths are epoch seconds, milliseconds, microseconds or nanoseconds; any
# other all-digit text (an ISO basic date such as 20240101) is read as ISO 8601.
_EPOCH_DIVISORS = {
    9: 1,
    10: 1,
    12: 1_000,
    13: 1_000,
    15: 1_000_000,
    16: 1_000_000,
    18: 1_000_000_000,
    19: 1_000_000_000,
}
_EPOCH_RANGE_S = (631_152_000, 4_102_444_800)  # 1990-01-01 .. 2100-01-01


def _parse_timestamp(text: str) -> int:
    """ISO 8601 (UTC unless it says otherwise), or a whole number of epoch seconds (9-10 digits),
    milliseconds (12-13), microseconds (15-16) or nanoseconds (18-19) between 1990 and 2100."""
    stripped = text.strip()
    if stripped.isascii() and stripped.isdigit() and len(stripped) in _EPOCH_DIVISORS:
        seconds = int(stripped) / _EPOCH_DIVISORS[len(stripped)]
        if not _EPOCH_RANGE_S[0] <= seconds < _EPOCH_RANGE_S[1]:
            raise _BadRow(f"timestamp {quoted(repr(text))} is not between 1990 and 2100 as epoch time")
        return int(stripped) * 1000 // _EPOCH_DIVISORS[len(stripped)]
    try:
        moment = datetime.fromisoformat(stripped)
    except ValueError as e:
        raise _BadRow(
            f"timestamp {quoted(repr(text))} is neither ISO 8601 (YYYY-MM-DD HH:MM:SS[.ffffff])"
            " nor epoch seconds or milliseconds"
        ) from e
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return (moment - _EPOCH) // _ONE_MS


def _parse_decimal(name: str, text: str) -> Decimal:
    try:
        value = Decimal(text.strip())
    except InvalidOperation:
        value = Decimal("NaN")
    if not value.is_finite():
        raise _BadRow(f"{name} {quoted(repr(text))} is not a decimal number")
    return value
