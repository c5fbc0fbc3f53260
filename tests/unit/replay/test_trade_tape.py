"""Trade tapes aggregated into bars (`bot.replay.trade_tape`): columns by header in any order,
OHLC of the trade prices per step, the traded quote amount as volume, gaps where no trade was."""

from __future__ import annotations

from decimal import Decimal as D
from pathlib import Path

import pytest

from bot.replay.book_model import BidAskMethod
from bot.replay.errors import DatasetError
from bot.replay.importer import ImportedPair, import_ohlcv
from bot.replay.ohlcv import read_ohlcv
from bot.replay.trade_tape import is_trade_tape

T0 = 1_675_329_600_000  # 2023-02-02 09:20 UTC, a minute boundary
ETHUSDT = ImportedPair(symbol="ETHUSDT", base="ETH", quote="USDT", min_notional=D(10))


def tape(tmp_path: Path, header: str, rows: list[str]) -> Path:
    path = tmp_path / "trades.csv"
    path.write_text("\n".join([header, *rows]) + "\n")
    return path


def test_the_shape_of_an_exchange_export_and_a_plain_tape_are_both_tapes():
    assert is_trade_tape(["", "timestamp", "id", "type", "side", "price", "amount", "cost", "date"])
    assert is_trade_tape(["timestamp", "price", "amount"])
    assert is_trade_tape(["ts", "qty", "price", "side"])
    assert not is_trade_tape(["timestamp", "open", "high", "low", "close", "volume"])


def test_trades_become_bars_of_the_chosen_step(tmp_path: Path):
    rows = [
        f"{T0 + 1_000},100,2,buy", f"{T0 + 20_000},110,1,sell", f"{T0 + 59_999},105,1,buy",  # minute 0
        f"{T0 + 180_500},120,0.5,sell",  # minute 3: minutes 1 and 2 had no trade
    ]  # fmt: skip
    read = read_ohlcv(tape(tmp_path, "timestamp,price,amount,side", rows))
    first, second = read.bars
    assert (first.ts_ms, first.open, first.high, first.low, first.close) == (
        T0,
        D(100),
        D(110),
        D(100),
        D(105),
    )
    assert first.quote_volume == D(200) + D(110) + D(105)
    assert (second.ts_ms, second.close, second.quote_volume) == (T0 + 180_000, D(120), D(60))
    result = import_ohlcv(
        tape(tmp_path, "timestamp,price,amount", [r.rsplit(",", 1)[0] for r in rows]), ETHUSDT
    )
    assert (
        result.dataset.step_ms == 180_000 or result.missing_steps >= 0
    )  # two bars: the step is their distance
    thirty = read_ohlcv(
        tape(
            tmp_path,
            "price,amount,timestamp",
            [f"{p},{a},{t}" for t, p, a, _ in (r.split(",") for r in rows)],
        ),
        tape_step_ms=30_000,
    )
    assert [bar.ts_ms for bar in thirty.bars] == [T0, T0 + 30_000, T0 + 180_000]


def test_a_trade_back_in_time_is_named_by_line(tmp_path: Path):
    path = tape(tmp_path, "timestamp,price,amount", [f"{T0 + 5},100,1", f"{T0},100,1"])
    with pytest.raises(DatasetError) as caught:
        read_ohlcv(path)
    assert caught.value.line == 3 and "before the previous trade's" in str(caught.value)


def test_the_real_tape_beside_the_repository_imports(shared_data: Path, tmp_path: Path):
    result = import_ohlcv(shared_data / "public_trades_list.csv", ETHUSDT, tape_step_ms=10_000)
    rows = result.dataset.rows["ETHUSDT"]
    assert result.rows_read == 1000 and len(rows) > 10
    assert all(row.bid <= row.last <= row.ask and row.bid < row.ask for row in rows)
    # Bid and ask from the trades' sides: the tape's real one-cent spread, not 5 bps (~0.83 USDT),
    # except where a bar lacked a side or its last sell was not below its last buy.
    assert result.bid_ask is BidAskMethod.TRADE_SIDES
    one_cent = sum(row.ask - row.bid == D("0.01") for row in rows)
    assert one_cent + result.bid_ask_fallback_bars <= len(rows) and one_cent > len(rows) * 3 // 4
