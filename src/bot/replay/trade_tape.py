"""Trade tapes as bars: a CSV of individual trades aggregated into OHLCV bars of a chosen step.

Columns are found by header name, in any order, extra columns ignored: `timestamp` (or `time`,
`ts`), `price`, and the traded base amount as `amount` (or `quantity`, `qty`, `size`); `side` is
read when present. The shape of `public_trades_list.csv` (an index column, `timestamp` in ms,
`id`, `type`, `side`, `price`, `amount`, `cost`, `date`) and a plain `timestamp,price,amount[,side]`
both read. Each step's bar: open, high, low and close of its trade prices; volume, the traded
quote amount (price x amount). A step without trades is no bar (a gap, reported by the import).
The importer then models a book around each close as for OHLCV (`bot.replay.importer`), and the
dataset's `source` says so.
"""

from __future__ import annotations

import csv
from collections.abc import Iterator, Sequence
from decimal import Decimal
from pathlib import Path

from bot.replay.errors import DatasetError, quoted
from bot.replay.ohlcv import Bar, OhlcvRead, SkippedRow, _BadRow, _parse_decimal, _parse_timestamp

TIME_NAMES = ("timestamp", "time", "ts")
AMOUNT_NAMES = ("amount", "quantity", "qty", "size")


def is_trade_tape(header: Sequence[str] | None) -> bool:
    """A header naming a time, a price and an amount, and not OHLC bars."""
    names = {column.strip().lower() for column in header or ()}
    return (
        bool(names & set(TIME_NAMES))
        and "price" in names
        and bool(names & set(AMOUNT_NAMES))
        and not {"open", "high", "low", "close"} <= names
    )


def read_trade_tape(path: Path, step_ms: int, *, skip_malformed: bool = False) -> OhlcvRead:
    """The trades of `path` as bars of `step_ms`; trades must not go back in time. Raises
    DatasetError (file, line) for a malformed trade unless `skip_malformed`."""
    if step_ms < 1:
        raise ValueError(f"step_ms must be >= 1, got {step_ms}")
    skipped: list[SkippedRow] = []
    bars: list[Bar] = []
    rows_read = 0
    with path.open(newline="", encoding="utf-8-sig") as handle:
        reader = csv.reader(handle)
        columns = _columns(path, next(reader, None))
        bucket: list[tuple[int, Decimal, Decimal, int]] = []  # (ts, price, amount, line)
        previous_ts: int | None = None
        for line, fields in _rows(reader):
            rows_read += 1
            try:
                ts, price, amount = _trade(fields, columns, previous_ts)
            except _BadRow as error:
                if not skip_malformed:
                    raise DatasetError(path, str(error), "correct or delete the trade", line=line) from error
                skipped.append(SkippedRow(path=path, line=line, problem=str(error)))
                continue
            previous_ts = ts
            if bucket and ts // step_ms != bucket[0][0] // step_ms:
                bars.append(_bar(bucket, step_ms))
                bucket = []
            bucket.append((ts, price, amount, line))
        if bucket:
            bars.append(_bar(bucket, step_ms))
    return OhlcvRead(bars=tuple(bars), skipped=tuple(skipped), rows_read=rows_read)


def _rows(reader: Iterator[list[str]]) -> Iterator[tuple[int, list[str]]]:
    for fields in reader:
        if fields:
            yield reader.line_num, fields  # type: ignore[attr-defined]


def _columns(path: Path, header: Sequence[str] | None) -> tuple[int, int, int]:
    names = [column.strip().lower() for column in header or ()]
    found = []
    for wanted in (TIME_NAMES, ("price",), AMOUNT_NAMES):
        index = next((names.index(name) for name in wanted if name in names), None)
        if index is None:
            raise DatasetError(
                path,
                f"bad header: no {'/'.join(wanted)} column (found {quoted(','.join(names)) or 'nothing'})",
                "a trade tape names its timestamp, price and amount columns on line 1",
                line=1,
            )
        found.append(index)
    return found[0], found[1], found[2]


def _trade(
    fields: Sequence[str], columns: tuple[int, int, int], previous_ts: int | None
) -> tuple[int, Decimal, Decimal]:
    if max(columns) >= len(fields):
        raise _BadRow(f"expected at least {max(columns) + 1} columns, found {len(fields)}")
    ts = _parse_timestamp(fields[columns[0]])
    price = _parse_decimal("price", fields[columns[1]])
    amount = _parse_decimal("amount", fields[columns[2]])
    if price <= 0 or amount <= 0:
        raise _BadRow(f"price {price} and amount {amount} must be above 0")
    if previous_ts is not None and ts < previous_ts:
        raise _BadRow(f"timestamp {fields[columns[0]].strip()} is before the previous trade's")
    return ts, price, amount


def _bar(trades: Sequence[tuple[int, Decimal, Decimal, int]], step_ms: int) -> Bar:
    prices = [price for _, price, _, _ in trades]
    return Bar(
        line=trades[0][3],
        ts_ms=trades[0][0] // step_ms * step_ms,
        open=prices[0],
        high=max(prices),
        low=min(prices),
        close=prices[-1],
        quote_volume=sum((price * amount for _, price, amount, _ in trades), Decimal(0)),
    )
