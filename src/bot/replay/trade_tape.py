"""Trade tapes as bars: a CSV of individual trades aggregated into OHLCV bars of a chosen step.

Columns are found by header name, in any order, extra columns ignored: `timestamp` (or `time`,
`ts`), `price`, and the traded base amount as `amount` (or `quantity`, `qty`, `size`); `id` (or
`tid`, `trade_id`) and `side` are read when present. The shape of `public_trades_list.csv` (an
index column, `timestamp` in ms, `id`, `type`, `side`, `price`, `amount`, `cost`, `date`) and a
plain `timestamp,price,amount[,side]` both read. Each step's bar: open, high, low and close of its
trade prices; volume, the traded quote amount (price x amount). A step without trades is no bar (a
gap, reported by the import).

`side` is the taker's (`buy`/`sell`, as BTCTurk's trade list and this tape give it, §5.5): a
taker sell hits the bid and a taker buy lifts the ask, so each bar also carries its last sell and
last buy price, from which the importer takes the bar's bid and ask (`bot.replay.book_model`).

A trade whose id was already seen in its bar is a duplicate: dropped and counted. A copy of a trade
carries its time, and trades never go back in time, so it lands in the same bar; remembering one
bar's ids keeps memory flat however long the tape. Without an id column nothing is deduplicated:
two equal trades in the same millisecond are possible.
"""

from __future__ import annotations

import csv
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

from bot.domain.orders import Side
from bot.replay.errors import DatasetError, quoted
from bot.replay.ohlcv import Bar, OhlcvRead, SkippedRow, _BadRow, _parse_decimal, _parse_timestamp

TIME_NAMES = ("timestamp", "time", "ts")
AMOUNT_NAMES = ("amount", "quantity", "qty", "size")
ID_NAMES = ("id", "tid", "trade_id")
_SIDES = {"buy": Side.BUY, "sell": Side.SELL}


@dataclass(frozen=True, slots=True)
class _Columns:
    time: int
    price: int
    amount: int
    trade_id: int | None
    side: int | None

    @property
    def needed(self) -> int:
        """How many fields a trade row must have to reach every column read."""
        found = (self.time, self.price, self.amount, self.trade_id, self.side)
        return max(index for index in found if index is not None) + 1


@dataclass(frozen=True, slots=True)
class _Trade:
    ts_ms: int
    price: Decimal
    amount: Decimal
    line: int
    side: Side | None


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
    rows_read = duplicates = 0
    with path.open(newline="", encoding="utf-8-sig") as handle:
        reader = csv.reader(handle)
        columns = _columns(path, next(reader, None))
        bucket: list[_Trade] = []
        bucket_ids: set[str] = set()
        previous_ts: int | None = None
        for line, fields in _rows(reader):
            rows_read += 1
            try:
                trade = _trade(line, fields, columns, previous_ts)
            except _BadRow as error:
                if not skip_malformed:
                    raise DatasetError(path, str(error), "correct or delete the trade", line=line) from error
                skipped.append(SkippedRow(path=path, line=line, problem=str(error)))
                continue
            previous_ts = trade.ts_ms
            if bucket and trade.ts_ms // step_ms != bucket[0].ts_ms // step_ms:
                bars.append(_bar(bucket, step_ms))
                bucket, bucket_ids = [], set()
            if columns.trade_id is not None:
                trade_id = fields[columns.trade_id].strip()
                if trade_id in bucket_ids:
                    duplicates += 1
                    continue
                bucket_ids.add(trade_id)
            bucket.append(trade)
        if bucket:
            bars.append(_bar(bucket, step_ms))
    return OhlcvRead(
        bars=tuple(bars),
        skipped=tuple(skipped),
        rows_read=rows_read,
        duplicates=duplicates,
        sides=columns.side is not None,
    )


def _rows(reader: Iterator[list[str]]) -> Iterator[tuple[int, list[str]]]:
    for fields in reader:
        if fields:
            yield reader.line_num, fields  # type: ignore[attr-defined]


def _columns(path: Path, header: Sequence[str] | None) -> _Columns:
    names = [column.strip().lower() for column in header or ()]

    def find(wanted: Sequence[str]) -> int | None:
        return next((names.index(name) for name in wanted if name in names), None)

    found = []
    for wanted in (TIME_NAMES, ("price",), AMOUNT_NAMES):
        index = find(wanted)
        if index is None:
            raise DatasetError(
                path,
                f"bad header: no {'/'.join(wanted)} column (found {quoted(','.join(names)) or 'nothing'})",
                "a trade tape names its timestamp, price and amount columns on line 1",
                line=1,
            )
        found.append(index)
    return _Columns(
        time=found[0], price=found[1], amount=found[2], trade_id=find(ID_NAMES), side=find(("side",))
    )


def _trade(line: int, fields: Sequence[str], columns: _Columns, previous_ts: int | None) -> _Trade:
    if columns.needed > len(fields):
        raise _BadRow(f"expected at least {columns.needed} columns, found {len(fields)}")
    ts = _parse_timestamp(fields[columns.time])
    price = _parse_decimal("price", fields[columns.price])
    amount = _parse_decimal("amount", fields[columns.amount])
    if price <= 0 or amount <= 0:
        raise _BadRow(f"price {price} and amount {amount} must be above 0")
    if previous_ts is not None and ts < previous_ts:
        raise _BadRow(f"timestamp {fields[columns.time].strip()} is before the previous trade's")
    side = None
    if columns.side is not None:
        text = fields[columns.side]
        side = _SIDES.get(text.strip().lower())
        if side is None:
            raise _BadRow(f"side {quoted(repr(text))} is neither buy nor sell (the taker's side)")
    return _Trade(ts_ms=ts, price=price, amount=amount, line=line, side=side)


def _bar(trades: Sequence[_Trade], step_ms: int) -> Bar:
    prices = [trade.price for trade in trades]
    return Bar(
        line=trades[0].line,
        ts_ms=trades[0].ts_ms // step_ms * step_ms,
        open=prices[0],
        high=max(prices),
        low=min(prices),
        close=prices[-1],
        quote_volume=sum((trade.price * trade.amount for trade in trades), Decimal(0)),
        last_sell=_last_price(trades, Side.SELL),
        last_buy=_last_price(trades, Side.BUY),
    )


def _last_price(trades: Sequence[_Trade], side: Side) -> Decimal | None:
    return next((trade.price for trade in reversed(trades) if trade.side is side), None)
