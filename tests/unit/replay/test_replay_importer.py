from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest

from bot.replay import (
    DatasetError,
    Gap,
    ImportResult,
    import_ohlcv,
    import_ohlcv_to_dir,
    load_dataset,
    read_manifest,
)
from bot.replay.importer import BookShape, ImportedPair

BTCTRY = ImportedPair(
    symbol="BTCTRY", base="BTC", quote="TRY", price_scale=0
)  # BTCTurk quotes BTCTRY in whole lira

HEADER = "timestamp,open,high,low,close,volume"
MINUTE_MS = 60_000
START_MS = 1_640_995_200_000  # 2022-01-01 00:00:00 UTC


def _bar(minute: int, close: str = "40000.5", volume: str = "80001") -> str:
    return f"2022-01-01 00:{minute:02d}:00.000000,40000,40100,39900,{close},{volume}"


def _write_csv(tmp_path: Path) -> Path:
    # Minutes 3 and 4 are missing; the bar of minute 7 (line 7) is malformed.
    lines = [HEADER, _bar(0), _bar(1), _bar(2), _bar(5), _bar(6), _bar(7, close="4x0"), _bar(8)]
    path = tmp_path / "bars.csv"
    path.write_text("\n".join(lines) + "\n")
    return path


def _import(path: Path) -> ImportResult:
    return import_ohlcv(path, BTCTRY, book=BookShape(price_scale_factor=Decimal(35), spread_bps=Decimal(4)))


def test_a_malformed_row_is_named_by_file_and_line(tmp_path: Path) -> None:
    path = _write_csv(tmp_path)

    with pytest.raises(DatasetError) as caught:
        _import(path)

    assert caught.value.path == path
    assert caught.value.line == 7
    assert "bars.csv:7: close '4x0' is not a decimal number" in str(caught.value)


def test_skipped_rows_are_counted_and_gaps_reported(tmp_path: Path) -> None:
    result = import_ohlcv(
        _write_csv(tmp_path),
        BTCTRY,
        book=BookShape(price_scale_factor=Decimal(35), spread_bps=Decimal(4)),
        skip_malformed=True,
    )

    assert (result.rows_read, result.rows_skipped) == (7, 1)
    assert "bars.csv:7: close '4x0'" in result.skipped[0].message
    assert result.dataset.step_ms == MINUTE_MS
    assert result.gaps == (
        Gap(start_ms=START_MS + 3 * MINUTE_MS, end_ms=START_MS + 4 * MINUTE_MS, missing_steps=2),
        Gap(start_ms=START_MS + 7 * MINUTE_MS, end_ms=START_MS + 7 * MINUTE_MS, missing_steps=1),
    )
    assert result.missing_steps == 3
    assert [row.ts_ms for row in result.dataset.rows["BTCTRY"]] == [
        START_MS + minute * MINUTE_MS for minute in (0, 1, 2, 5, 6, 8)
    ]


def test_prices_are_scaled_and_the_book_is_modelled(tmp_path: Path) -> None:
    result = import_ohlcv(
        _write_csv(tmp_path),
        BTCTRY,
        book=BookShape(price_scale_factor=Decimal(35), spread_bps=Decimal(4), depth_ratio=Decimal("0.05")),
        skip_malformed=True,
    )
    row = result.dataset.rows["BTCTRY"][0]
    rules = result.dataset.pairs["BTCTRY"]

    # close 40000.5 x 35 = 1400017.5 -> 1400018 on the tick; half spread = 280.0036 TRY.
    assert row.last == Decimal(1400018)
    assert (row.bid, row.ask) == (Decimal(1399737), Decimal(1400299))
    # quote volume 80001 / close 40000.5 = 2 BTC; 5% of it rests at the top of the book.
    assert row.volume == Decimal(2)
    assert row.bid_qty == row.ask_qty == Decimal("0.1")
    assert rules.price_scale == 0 and rules.tick_size == 1
    assert rules.min_price == 1 and rules.max_price >= Decimal(40100 * 35 * 10)


def test_top_quantity_never_drops_below_one_minimum_order(tmp_path: Path) -> None:
    path = tmp_path / "thin.csv"
    path.write_text("\n".join([HEADER, _bar(0, volume="1"), _bar(1, volume="0")]) + "\n")

    result = _import(path)

    for row in result.dataset.rows["BTCTRY"]:
        assert row.bid * row.bid_qty >= Decimal("99.91")
        assert row.ask * row.ask_qty >= Decimal("99.91")


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        ("time,open,high,low,close,volume\n", r"bars.csv:1: bad header: missing column\(s\) timestamp"),
        (f"{HEADER}\n{_bar(0)}\n", "only 1 usable row"),
        (f"{HEADER}\n{_bar(1)}\n{_bar(0)}\n", r"bars.csv:3: timestamp .* is before the previous"),
        (f"{HEADER}\n{_bar(0)}\n2022-13-01 00:00:00,1,1,1,1,1\n", r"bars.csv:3: timestamp .* neither ISO"),
        (f"{HEADER}\n{_bar(0)}\n{_bar(1, close='40200')}\n", r"bars.csv:3: inconsistent bar"),
    ],
)
def test_bad_input_is_named(tmp_path: Path, content: str, expected: str) -> None:
    path = tmp_path / "bars.csv"
    path.write_text(content)

    with pytest.raises(DatasetError, match=expected):
        _import(path)


def test_import_to_dir_writes_a_dataset_that_loads(tmp_path: Path) -> None:
    result = import_ohlcv_to_dir(
        _write_csv(tmp_path),
        tmp_path / "out",
        BTCTRY,
        book=BookShape(price_scale_factor=Decimal(35), spread_bps=Decimal(4)),
        skip_malformed=True,
    )

    assert load_dataset(tmp_path / "out") == result.dataset
    source = read_manifest(tmp_path / "out").source
    assert "bars.csv" in source and "gaps=2 missing_steps=3" in source and "rows_skipped=1" in source


def test_the_real_btc_month_imports(shared_data: Path) -> None:
    result = import_ohlcv(
        shared_data / "btc-perp-20211231-20220201_1m.csv",
        BTCTRY,
        book=BookShape(price_scale_factor=Decimal(35), spread_bps=Decimal(4)),
    )
    rows = result.dataset.rows["BTCTRY"]

    assert (result.rows_read, result.rows_skipped) == (45_031, 0)
    assert len(rows) == 45_031
    assert result.dataset.step_ms == MINUTE_MS
    assert result.gaps == ()  # the month is complete; a gap would be reported here
    assert rows[0].last == Decimal(46377 * 35)  # first close 46377 USD
    assert Decimal(33_061 * 35) <= min(row.last for row in rows)
    assert max(row.last for row in rows) <= Decimal(47_988 * 35)


def test_replay_import_from_and_to_keep_the_bars_in_the_window(tmp_path: Path) -> None:
    """`bot replay-import --from --to` on a small in-repo CSV: the real-month test's windowing
    without the data beside the repository. Bars in [from, to) are kept, and nothing else."""
    from click.testing import CliRunner

    from bot.cli.main import cli

    lines = [HEADER, *(_bar(minute) for minute in range(10))]
    csv_path = tmp_path / "bars.csv"
    csv_path.write_text("\n".join(lines) + "\n")
    out = tmp_path / "dataset"
    args = ["replay-import", str(csv_path), str(out), "--symbol", "BTCTRY"]
    args += ["--from", "2022-01-01 00:02:00", "--to", "2022-01-01 00:07:00"]
    result = CliRunner().invoke(cli, args)
    assert result.exit_code == 0, result.output
    rows = load_dataset(out).rows["BTCTRY"]
    assert [(row.ts_ms - START_MS) // MINUTE_MS for row in rows] == [2, 3, 4, 5, 6]
    assert "10 rows read, 0 skipped, 0 duplicates dropped, 2022-01-01 00:02 .. 2022-01-01 00:06 UTC" in (
        result.output
    )


def test_a_file_that_is_not_ohlcv_is_named_in_a_short_message_however_long_its_first_line(tmp_path):
    from bot.replay.errors import DatasetError
    from bot.replay.ohlcv import read_ohlcv

    source = tmp_path / "tape.csv"
    header = ",".join(f"c{i}" for i in range(100_000))  # a 588,889-character first line
    source.write_text(header + "\n1,2\n")
    with pytest.raises(DatasetError) as caught:
        read_ohlcv(source)
    message = str(caught.value)
    assert len(message) < 600 and f"({len(header) - 200:,} more characters)" in message


@pytest.mark.parametrize(
    ("stamp", "label"),
    [
        (lambda m: START_MS + m * MINUTE_MS, "epoch ms"),
        (lambda m: (START_MS + m * MINUTE_MS) // 1000, "epoch s"),
    ],
)
def test_epoch_timestamps_in_seconds_or_milliseconds_import_like_iso(tmp_path: Path, stamp, label) -> None:
    lines = [HEADER, *(f"{stamp(m)},40000,40100,39900,40000.5,80001" for m in range(3))]
    path = tmp_path / "epoch.csv"
    path.write_text("\n".join(lines) + "\n")
    iso = tmp_path / "iso.csv"
    iso.write_text("\n".join([HEADER, _bar(0), _bar(1), _bar(2)]) + "\n")
    assert _import(path).dataset.rows == _import(iso).dataset.rows, label


def test_a_timestamp_that_is_neither_iso_nor_epoch_says_both(tmp_path: Path) -> None:
    path = tmp_path / "bad.csv"
    path.write_text("\n".join([HEADER, "yesterday,1,1,1,1,1"]) + "\n")
    with pytest.raises(DatasetError, match=r"neither ISO 8601 .* nor epoch seconds or milliseconds"):
        _import(path)


def test_without_a_price_scale_the_data_sets_it_so_small_prices_are_never_rounded_to_units(
    tmp_path: Path,
) -> None:
    path = tmp_path / "xrpeth.csv"
    bars = [
        "2022-01-01 00:00:00,0.000321,0.000325,0.000320,0.000322,12.5",
        "2022-01-01 00:01:00,0.000322,0.000326,0.000321,0.000324,10.1",
    ]
    path.write_text("\n".join([HEADER, *bars]) + "\n")
    result = import_ohlcv(
        path, ImportedPair(symbol="XRPETH", base="XRP", quote="ETH", min_notional=Decimal("0.0001"))
    )
    rules, row = result.dataset.pairs["XRPETH"], result.dataset.rows["XRPETH"][0]
    assert rules.price_scale == 8 and rules.tick_size == Decimal("0.00000001")  # the 5 bps spread needs 8
    assert row.last == Decimal("0.000322") and row.bid < row.last < row.ask
    assert float((row.ask - row.bid) / row.last) == pytest.approx(0.0005, rel=0.25)  # within a tick each side


def test_any_pair_splits_by_its_quote_asset_or_is_told_it() -> None:
    from bot.app.errors import CommandError
    from bot.app.replays import split_symbol

    assert split_symbol("XRPETH") == ("XRP", "ETH")
    assert split_symbol("BTCUSDT") == ("BTC", "USDT")  # USDT before USD: the longest match
    assert split_symbol("ABCXYZ", "XYZ") == ("ABC", "XYZ")
    with pytest.raises(CommandError, match="name its quote asset with --quote"):
        split_symbol("ABCXYZ")


@pytest.mark.parametrize(
    ("stamp", "expected_ms"),
    [
        ("1640995200", START_MS),  # seconds
        ("1640995200000", START_MS),  # milliseconds
        ("1640995200000000", START_MS),  # microseconds
        ("1640995200000000000", START_MS),  # nanoseconds
        ("20220101", START_MS),  # an ISO basic date, not epoch seconds
    ],
)
def test_a_timestamp_is_read_by_its_form(stamp: str, expected_ms: int) -> None:
    from bot.replay.ohlcv import _parse_timestamp

    assert _parse_timestamp(stamp) == expected_ms


@pytest.mark.parametrize("stamp", ["9999999999999", "²"])
def test_an_epoch_outside_1990_to_2100_or_not_a_number_is_a_bad_row(stamp: str) -> None:
    from bot.replay.ohlcv import _BadRow, _parse_timestamp

    with pytest.raises(_BadRow):
        _parse_timestamp(stamp)


def test_bars_that_state_their_base_volume_are_modelled_from_it_under_the_given_rules() -> None:
    from bot.domain.symbols import PairRules
    from bot.replay.importer import modelled_rows
    from bot.replay.ohlcv import Bar

    rules = PairRules(
        symbol="BTCTRY", base="BTC", quote="TRY", quantity_scale=8, price_scale=0,
        tick_size=Decimal(1), min_notional=Decimal("99.91"), min_price=Decimal(1),
        max_price=Decimal(10**8),
    )  # fmt: skip
    close, base = Decimal("1400017"), Decimal("0.29723951")
    # A quote volume whose quotient by the close is not the base volume: the stated one wins.
    bar = Bar(
        line=2, ts_ms=START_MS, open=close, high=close, low=close, close=close,
        quote_volume=close * base + 1, base_volume=base,
    )  # fmt: skip
    (row,) = modelled_rows(rules, [bar], BookShape(spread_bps=Decimal(4)), source=Path("x"))
    assert (row.last, row.bid, row.ask) == (close, Decimal(1399736), Decimal(1400298))
    assert row.volume == base and row.bid_qty == Decimal("0.01486197")
