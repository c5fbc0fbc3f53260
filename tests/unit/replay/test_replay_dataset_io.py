from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import replace
from decimal import Decimal
from pathlib import Path

import pytest
from replay_builders import TEST_RULES, small_dataset, small_rows

from bot.domain.dataset import Dataset
from bot.replay import DatasetError, load_dataset, open_dataset, read_manifest, write_dataset


def _write_small(directory: Path) -> Path:
    write_dataset(directory, small_dataset(), "unit test")
    return directory


def _replace_line(csv_path: Path, line: int, text: str) -> None:
    lines = csv_path.read_text().splitlines()
    lines[line - 1] = text
    csv_path.write_text("\n".join(lines) + "\n")


def test_round_trip_preserves_every_value(tmp_path: Path) -> None:
    dataset = small_dataset()
    write_dataset(tmp_path, dataset, "unit test")

    loaded = load_dataset(tmp_path)

    assert loaded == dataset
    assert loaded.row_at("TESTTRY", dataset.start_ms + 90_000) == dataset.rows["TESTTRY"][1]
    assert read_manifest(tmp_path).source == "unit test"
    assert load_dataset(tmp_path / "dataset.json") == dataset


def test_written_files_are_canonical(tmp_path: Path) -> None:
    _write_small(tmp_path)

    lines = (tmp_path / "TESTTRY.csv").read_text().splitlines()
    manifest = json.loads((tmp_path / "dataset.json").read_text())

    assert lines[0] == "ts_ms,bid,ask,last,bid_qty,ask_qty,volume"
    assert lines[1] == "1700000000000,100,100.05,100.02,1.5,2.25,0"
    assert manifest["format"] == "bot-replay/1"
    assert manifest["pairs"][0]["tick_size"] == "0.01"
    assert manifest["pairs"][0]["min_notional"] == "10"


@pytest.mark.parametrize(
    ("line", "text", "expected"),
    [
        (1, "ts,bid,ask,last,bid_qty,ask_qty,volume", "bad header"),
        (3, "1700000060000,abc,101.05,101.02,1.5,2.25,0", "bid 'abc' is not a decimal"),
        (3, "1700000060000,101.00,101.05,101.02,1.5,2.25", "expected 7 columns"),
        (3, "1700000060000,101.10,101.05,101.02,1.5,2.25,0", "not below ask"),
        (3, "1700000060000,0,101.05,101.02,1.5,2.25,0", "bid 0 is not positive"),
        (3, "1700000060000,101.00,101.05,101.02,0,2.25,0", "bid_qty 0 is not positive"),
        (3, "1700000060000,101.00,101.05,101.02,1.5,2.25,-1", "volume -1 is negative"),
        (3, "1700000000000,101.00,101.05,101.02,1.5,2.25,0", "is not after the previous"),
        (3, "1700000060000,101.001,101.05,101.02,1.5,2.25,0", "too many decimals for price_scale 2"),
        (3, "1700000060000,101.00,101.05,101.02,1.55555,2.25,0", "quantity_scale 4"),
        (3, "1700000060000,101.00,101.05,100001,1.5,2.25,0", "outside"),
        (3, "2023-11-14,101.00,101.05,101.02,1.5,2.25,0", "ts_ms '2023-11-14' is not an integer"),
        (3, "1700000060000,NaN,101.05,101.02,1.5,2.25,0", "not a decimal"),
    ],
)
@pytest.mark.parametrize("read", [load_dataset, open_dataset])
def test_a_bad_row_is_named_by_file_and_line(
    tmp_path: Path, line: int, text: str, expected: str, read: Callable[[Path], Dataset]
) -> None:
    csv_path = _write_small(tmp_path) / "TESTTRY.csv"
    _replace_line(csv_path, line, text)

    with pytest.raises(DatasetError) as caught:
        read(tmp_path)

    assert caught.value.path == csv_path
    assert caught.value.line == line
    assert f"TESTTRY.csv:{line}: " in str(caught.value)
    assert expected in str(caught.value)
    assert "Fix: " in str(caught.value)


def test_a_price_off_the_tick_is_refused(tmp_path: Path) -> None:
    rules = replace(TEST_RULES, tick_size=Decimal("0.05"))
    dataset = Dataset(name="tick", step_ms=60_000, pairs={"TESTTRY": rules}, rows={"TESTTRY": small_rows()})

    with pytest.raises(DatasetError, match=r"TESTTRY.csv:2: last 100.02 is not a multiple of"):
        write_dataset(tmp_path, dataset, "unit test")


def _edit_manifest(directory: Path, **changes: object) -> None:
    path = directory / "dataset.json"
    document = json.loads(path.read_text())
    for key, value in changes.items():
        if value is None:
            document.pop(key)
        else:
            document[key] = value
    path.write_text(json.dumps(document))


@pytest.mark.parametrize(
    ("changes", "expected"),
    [
        ({"format": None}, "'format' is missing"),
        ({"format": "bot-replay/9"}, "format 'bot-replay/9' is not supported"),
        ({"step_ms": 0}, "'step_ms' 0 is not a positive integer"),
        ({"pairs": []}, "'pairs' is missing or empty"),
    ],
)
def test_a_bad_manifest_is_named(tmp_path: Path, changes: dict[str, object], expected: str) -> None:
    _edit_manifest(_write_small(tmp_path), **changes)

    with pytest.raises(DatasetError, match=expected) as caught:
        load_dataset(tmp_path)

    assert caught.value.path == tmp_path / "dataset.json"


def test_decimals_written_as_json_numbers_are_refused(tmp_path: Path) -> None:
    path = _write_small(tmp_path) / "dataset.json"
    path.write_text(path.read_text().replace('"tick_size": "0.01"', '"tick_size": 0.01'))

    with pytest.raises(DatasetError, match=r"pairs\[0\] \(TESTTRY\).tick_size: expected a decimal string"):
        load_dataset(tmp_path)


def test_invalid_json_names_the_line(tmp_path: Path) -> None:
    path = _write_small(tmp_path) / "dataset.json"
    path.write_text('{\n  "format": "bot-replay/1",\n  "name": \n}')

    with pytest.raises(DatasetError, match=r"dataset.json:4: not valid JSON"):
        load_dataset(tmp_path)


def test_a_missing_manifest_is_named(tmp_path: Path) -> None:
    with pytest.raises(DatasetError, match=r"dataset.json: dataset.json not found"):
        load_dataset(tmp_path)


def test_a_missing_pair_csv_is_named(tmp_path: Path) -> None:
    (_write_small(tmp_path) / "TESTTRY.csv").unlink()

    with pytest.raises(DatasetError, match=r"TESTTRY.csv: the CSV for pair TESTTRY .* is missing"):
        load_dataset(tmp_path)


def test_a_csv_for_an_unknown_symbol_is_named(tmp_path: Path) -> None:
    stray = _write_small(tmp_path) / "ETHTRY.csv"
    stray.write_text((tmp_path / "TESTTRY.csv").read_text())

    with pytest.raises(DatasetError, match=r"ETHTRY.csv: no pair ETHTRY in dataset.json"):
        load_dataset(tmp_path)


def test_an_empty_csv_is_refused(tmp_path: Path) -> None:
    csv_path = _write_small(tmp_path) / "TESTTRY.csv"
    csv_path.write_text("ts_ms,bid,ask,last,bid_qty,ask_qty,volume\n")

    with pytest.raises(DatasetError, match=r"TESTTRY.csv:2: no rows after the header"):
        load_dataset(tmp_path)


def test_write_refuses_to_replace_a_dataset_unless_told(tmp_path: Path) -> None:
    _write_small(tmp_path)

    with pytest.raises(DatasetError, match="a dataset already exists here"):
        write_dataset(tmp_path, small_dataset(), "again")

    write_dataset(tmp_path, small_dataset(small_rows(3)), "again", overwrite=True)
    assert len(load_dataset(tmp_path).rows["TESTTRY"]) == 3


def test_overwrite_removes_the_csvs_of_pairs_no_longer_listed(tmp_path: Path) -> None:
    _write_small(tmp_path)
    other = replace(TEST_RULES, symbol="OTHERTRY")
    replacement = Dataset(
        name="other", step_ms=60_000, pairs={"OTHERTRY": other}, rows={"OTHERTRY": small_rows()}
    )

    write_dataset(tmp_path, replacement, "replaced", overwrite=True)

    assert not (tmp_path / "TESTTRY.csv").exists()
    assert load_dataset(tmp_path).symbols == ("OTHERTRY",)


def test_write_refuses_a_bad_row_naming_the_line_it_would_have(tmp_path: Path) -> None:
    rows = small_rows()
    crossed = replace(rows[2], bid=rows[2].ask + 1)

    with pytest.raises(DatasetError, match=r"TESTTRY.csv:4: bid .* is not below ask"):
        write_dataset(tmp_path, small_dataset((*rows[:2], crossed, *rows[3:])), "unit test")
    assert not (tmp_path / "dataset.json").exists()


def test_gaps_in_time_are_allowed(tmp_path: Path) -> None:
    rows = small_rows()
    with_gap = (*rows[:2], *rows[4:])
    write_dataset(tmp_path, small_dataset(with_gap), "unit test")

    loaded = load_dataset(tmp_path)

    assert loaded.row_at("TESTTRY", rows[3].ts_ms) == rows[1]  # stale: the last row before the gap
