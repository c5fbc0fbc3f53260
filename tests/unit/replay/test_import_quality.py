"""The data-quality half of an import: repeated rows dropped and counted, one-bar spikes flagged
(and dropped on request), and a trade tape's bid/ask taken from its trades' sides."""

from __future__ import annotations

from decimal import Decimal as D
from pathlib import Path

import pytest
from click.testing import CliRunner

from bot.cli.main import cli
from bot.replay import DatasetError, load_dataset, read_manifest
from bot.replay.book_model import BidAskMethod, BookShape
from bot.replay.importer import ImportedPair, SpikeRule, import_ohlcv, import_ohlcv_to_dir

HEADER = "timestamp,open,high,low,close,volume"
T0 = 1_640_995_200_000  # 2022-01-01 00:00 UTC
MINUTE = 60_000
USDT = ImportedPair(symbol="BTCUSDT", base="BTC", quote="USDT", min_notional=D(10), price_scale=2)


def bars_csv(tmp_path: Path, closes: list[str], *, repeat: dict[int, str] | None = None) -> Path:
    """One bar a minute closing at each of `closes` (open = close, high/low around it);
    `repeat[i]`: a second row for minute i closing there."""
    lines = [HEADER]
    for minute, close in enumerate(closes):
        lines.append(_bar(minute, close))
        if repeat and minute in repeat:
            lines.append(_bar(minute, repeat[minute]))
    path = tmp_path / "bars.csv"
    path.write_text("\n".join(lines) + "\n")
    return path


def _bar(minute: int, close: str) -> str:
    return f"{T0 + minute * MINUTE},{close},{close},{close},{close},1000"


def tape_csv(tmp_path: Path, header: str, rows: list[str]) -> Path:
    path = tmp_path / "trades.csv"
    path.write_text("\n".join([header, *rows]) + "\n")
    return path


def closes(result) -> list[D]:
    return [row.last for row in result.dataset.rows["BTCUSDT"]]


# Duplicates


def test_a_repeated_bar_is_dropped_and_counted_the_first_kept(tmp_path: Path):
    path = bars_csv(tmp_path, ["100", "101", "102", "103"], repeat={1: "101", 2: "999"})
    result = import_ohlcv(path, USDT)
    assert result.duplicates_dropped == 2 and result.rows_read == 6
    assert closes(result) == [D(100), D(101), D(102), D(103)]  # minute 2's repeat (999) is gone
    assert result.gaps == ()


def test_a_trade_id_seen_twice_counts_once(tmp_path: Path):
    header = "timestamp,id,side,price,amount"
    rows = [
        f"{T0 + 1},7,buy,100,1",
        f"{T0 + 1},7,buy,100,1",
        f"{T0 + 2},8,sell,100,2",
        f"{T0 + MINUTE},9,buy,101,1",
    ]
    result = import_ohlcv(tape_csv(tmp_path, header, rows), USDT)
    assert result.duplicates_dropped == 1
    assert result.dataset.rows["BTCUSDT"][0].volume == D(1 + 2)  # 1 + 2 BTC; the copy would make it 4
    # Without an id column two equal trades in one millisecond may both be real: none is dropped.
    plain = [f"{T0 + 1},100,1", f"{T0 + 1},100,1", f"{T0 + MINUTE},101,1"]
    plain_result = import_ohlcv(tape_csv(tmp_path, "timestamp,price,amount", plain), USDT)
    assert plain_result.duplicates_dropped == 0


def test_duplicates_reach_the_summary_and_the_manifest(tmp_path: Path):
    path = bars_csv(tmp_path, ["100", "101", "102"], repeat={0: "100"})
    out = tmp_path / "out"
    run = CliRunner().invoke(cli, ["replay-import", str(path), str(out), "--symbol", "BTCUSDT"])
    assert run.exit_code == 0, run.output
    assert "4 rows read, 0 skipped, 1 duplicates dropped" in run.output
    assert "duplicates_dropped=1" in read_manifest(out).source
    assert "differed" not in run.output  # an exact copy


def test_a_repeated_bar_that_differs_is_counted_apart(tmp_path: Path):
    path = bars_csv(tmp_path, ["100", "101", "102"], repeat={1: "104"})
    run = CliRunner().invoke(cli, ["replay-import", str(path), str(tmp_path / "out"), "--symbol", "BTCUSDT"])
    assert run.exit_code == 0, run.output
    assert (
        "1 duplicates dropped (1 of them differed from the first bar of their time, which was kept)"
        in run.output
    )
    assert D(104) not in closes(import_ohlcv(path, USDT))


def test_a_spread_that_would_put_the_bid_at_zero_is_refused(tmp_path: Path):
    path = bars_csv(tmp_path, ["100", "101", "102"])
    run = CliRunner().invoke(cli, ["replay-import", str(path), str(tmp_path / "o"), "--spread-bps", "20000"])
    assert run.exit_code == 2
    assert "must be below 20000 bps" in run.output


# Spikes


def test_a_100x_spike_in_a_flat_series_is_flagged_and_kept_unless_dropped(tmp_path: Path):
    path = bars_csv(tmp_path, ["100", "100", "100", "10000", "100", "100"])
    kept = import_ohlcv(path, USDT)
    assert kept.spikes == (T0 + 3 * MINUTE,)
    assert D(10000) in closes(kept)
    dropped = import_ohlcv(path, USDT, spikes=SpikeRule(drop=True))
    assert dropped.spikes == (T0 + 3 * MINUTE,) and D(10000) not in closes(dropped)
    assert [gap.start_ms for gap in dropped.gaps] == [T0 + 3 * MINUTE]  # left as a gap, not filled


def test_a_crash_that_stays_down_is_not_a_spike(tmp_path: Path):
    path = bars_csv(tmp_path, ["100", "100", "100", "40", "40", "41", "40"])
    assert import_ohlcv(path, USDT).spikes == ()


def test_a_drop_to_a_hundredth_is_a_spike_and_the_ratio_decides(tmp_path: Path):
    assert import_ohlcv(bars_csv(tmp_path, ["100", "100", "1", "100"]), USDT).spikes == (T0 + 2 * MINUTE,)
    blip = bars_csv(tmp_path, ["100", "100", "130", "100"])  # 30 % for one bar
    assert import_ohlcv(blip, USDT).spikes == ()
    assert import_ohlcv(blip, USDT, spikes=SpikeRule(ratio=D("0.25"))).spikes == (T0 + 2 * MINUTE,)


def test_the_first_and_last_bars_are_never_judged(tmp_path: Path):
    assert import_ohlcv(bars_csv(tmp_path, ["10000", "100", "100", "1"]), USDT).spikes == ()


def test_a_spike_ratio_must_be_above_zero():
    with pytest.raises(ValueError, match="above 0"):
        SpikeRule(ratio=D(0))


def test_spikes_reach_the_summary_and_the_manifest(tmp_path: Path):
    path = bars_csv(tmp_path, ["100", "100", "10000", "100", "100"])
    out = tmp_path / "out"
    args = ["replay-import", str(path), str(out), "--symbol", "BTCUSDT", "--drop-spikes"]
    run = CliRunner().invoke(cli, args)
    assert run.exit_code == 0, run.output
    assert (
        "spikes: 1 (close more than 50% from both neighbours), dropped (left as gaps): 2022-01-01 00:02:00"
        in (run.output)
    )
    source = read_manifest(out).source
    assert "spikes=1 spikes_dropped=1 spike_ratio=0.5" in source
    assert D(10000) not in {row.last for row in load_dataset(out).rows["BTCUSDT"]}
    refused = CliRunner().invoke(cli, [*args, "--overwrite", "--spike-ratio", "0"])
    assert refused.exit_code == 2 and "Traceback" not in refused.output


# Bid and ask from the trades' sides


SIDED = "timestamp,side,price,amount"


def test_bid_is_the_last_taker_sell_and_ask_the_last_taker_buy(tmp_path: Path):
    rows = [
        f"{T0 + 1},sell,99,1", f"{T0 + 2},buy,101,1", f"{T0 + 3},sell,98,1", f"{T0 + 4},buy,102,1",
        f"{T0 + MINUTE + 1},buy,103,1", f"{T0 + MINUTE + 2},buy,104,1",  # no sell: falls back
        f"{T0 + 2 * MINUTE + 1},buy,100,1", f"{T0 + 2 * MINUTE + 2},sell,105,1",  # sell >= buy: falls back
    ]  # fmt: skip
    result = import_ohlcv(tape_csv(tmp_path, SIDED, rows), USDT, book=BookShape(spread_bps=D(100)))
    first, second, third = result.dataset.rows["BTCUSDT"]
    assert (first.bid, first.ask, first.last) == (D(98), D(102), D(102))
    assert (second.bid, second.ask) == (D("103.48"), D("104.52"))  # 100 bps around the close 104
    assert (third.bid, third.ask) == (D("104.47"), D("105.53"))
    assert (result.bid_ask, result.bid_ask_fallback_bars) == (BidAskMethod.TRADE_SIDES, 2)


def test_side_prices_are_scaled_and_rounded_outwards(tmp_path: Path):
    rows = [f"{T0 + 1},sell,40000.51,1", f"{T0 + 2},buy,40000.52,1", f"{T0 + MINUTE},buy,40001,1"]
    try_pair = ImportedPair(symbol="BTCTRY", base="BTC", quote="TRY", price_scale=0)
    result = import_ohlcv(tape_csv(tmp_path, SIDED, rows), try_pair, book=BookShape(price_scale_factor=D(35)))
    row = result.dataset.rows["BTCTRY"][0]
    assert (row.bid, row.ask) == (D(1400017), D(1400019))  # 1400017.85 down, 1400018.2 up


def test_a_tape_without_sides_keeps_the_synthetic_spread(tmp_path: Path):
    rows = [f"{T0 + 1},99,1", f"{T0 + 2},101,1", f"{T0 + MINUTE},100,1"]
    result = import_ohlcv(tape_csv(tmp_path, "timestamp,price,amount", rows), USDT)
    assert (result.bid_ask, result.bid_ask_fallback_bars) == (BidAskMethod.SYNTHETIC_SPREAD, 0)
    row = result.dataset.rows["BTCUSDT"][0]
    assert (row.bid, row.ask) == (D("100.97"), D("101.03"))  # 5 bps around the close 101


def test_the_method_and_its_fallbacks_reach_the_summary_and_the_manifest(tmp_path: Path):
    rows = [f"{T0 + 1},sell,99,1", f"{T0 + 2},buy,101,1", f"{T0 + MINUTE + 1},buy,103,1"]
    out = tmp_path / "out"
    run = CliRunner().invoke(
        cli, ["replay-import", str(tape_csv(tmp_path, SIDED, rows)), str(out), "--symbol", "BTCUSDT"]
    )
    assert run.exit_code == 0, run.output
    assert "bid/ask: each bar's last taker sell / buy price; 1 of 2 bars fell back" in run.output
    source = read_manifest(out).source
    assert "last taker sell/buy" in source and "bid_ask=trade_sides bid_ask_fallback_bars=1" in source


def test_a_side_that_is_neither_buy_nor_sell_is_named_by_line(tmp_path: Path):
    path = tape_csv(tmp_path, SIDED, [f"{T0 + 1},sell,99,1", f"{T0 + 2},B,101,1"])
    with pytest.raises(DatasetError, match=r"trades.csv:3: side 'B' is neither buy nor sell"):
        import_ohlcv_to_dir(path, tmp_path / "out", USDT)
