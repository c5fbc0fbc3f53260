"""A dataset opened for a replay is checked in one pass and then read from disk in chunks.

`open_dataset` holds no rows; its CSVs are read `CHUNK_BYTES` at a time, as far as the rows asked
for and no further, and whatever reads them sees exactly the rows `load_dataset` loads.
"""

from __future__ import annotations

import io
from dataclasses import replace
from pathlib import Path

import pytest
from replay_builders import TEST_RULES, small_dataset, small_rows

from bot.domain.dataset import Dataset
from bot.replay import (
    CHUNK_BYTES,
    DEFAULT_PAIRS,
    DatasetError,
    DatasetWriter,
    generate,
    load_dataset,
    open_dataset,
    write_dataset,
)
from bot.replay.rows import stream_rows

RULES = {symbol: spec.rules for symbol, spec in DEFAULT_PAIRS.items()}


class CountingReader(io.RawIOBase):
    """A file read through a counter of the bytes that actually left the disk."""

    def __init__(self, path: Path) -> None:
        self._file = path.open("rb", buffering=0)
        self.bytes_read = 0

    def readable(self) -> bool:
        return True

    def readinto(self, buffer) -> int:
        count = self._file.readinto(buffer) or 0
        self.bytes_read += count
        return count

    def close(self) -> None:
        self._file.close()
        super().close()


@pytest.fixture(scope="module")
def long_dataset(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Two pairs, 6,000 rows each (~400 KiB a file: several chunks)."""
    directory = tmp_path_factory.mktemp("long")
    pairs = {symbol: DEFAULT_PAIRS[symbol] for symbol in ("BTCTRY", "XRPTRY")}
    write_dataset(directory, generate(pairs, 6_000, 60_000, seed=3), "unit test")
    return directory


def test_rows_are_read_from_disk_a_chunk_at_a_time(long_dataset: Path) -> None:
    csv_path = long_dataset / "BTCTRY.csv"
    size = csv_path.stat().st_size
    assert size > 5 * CHUNK_BYTES
    raw = CountingReader(csv_path)

    rows = stream_rows(csv_path, RULES["BTCTRY"], raw)
    first = next(rows)
    after_one_row = raw.bytes_read
    for _ in range(999):  # ~70 KiB of rows further on
        next(rows)
    after_a_thousand = raw.bytes_read
    rest = sum(1 for _ in rows)

    assert first.ts_ms > 0 and rest == 5_000
    assert after_one_row <= CHUNK_BYTES  # one chunk for the first row, not the file
    assert after_a_thousand <= 2 * CHUNK_BYTES
    assert raw.bytes_read == size
    raw.close()


def test_an_opened_dataset_holds_no_rows_and_reads_what_load_reads(long_dataset: Path) -> None:
    opened = open_dataset(long_dataset)
    loaded = load_dataset(long_dataset)

    assert opened.rows == {}
    assert isinstance(opened, Dataset)
    assert (opened.name, opened.step_ms, opened.pairs) == (loaded.name, loaded.step_ms, loaded.pairs)
    assert (opened.symbols, opened.start_ms, opened.end_ms) == (
        loaded.symbols,
        loaded.start_ms,
        loaded.end_ms,
    )
    assert opened.spans["XRPTRY"].rows == 6_000
    for symbol in loaded.symbols:
        assert tuple(opened.open_rows(symbol)) == loaded.rows[symbol]
    middle = loaded.start_ms + 3_000 * 60_000
    assert opened.row_at("BTCTRY", middle + 59_999) == loaded.row_at("BTCTRY", middle)
    assert opened.row_at("BTCTRY", loaded.start_ms - 1) is None
    assert opened.rows_between("XRPTRY", middle - 600_000, middle) == loaded.rows_between(
        "XRPTRY", middle - 600_000, middle
    )


def test_opening_checks_every_row_before_anything_is_replayed(tmp_path: Path) -> None:
    write_dataset(tmp_path, small_dataset(), "unit test")
    csv_path = tmp_path / "TESTTRY.csv"
    lines = csv_path.read_text().splitlines()
    lines[-1] = "1700000240000,104.10,104.05,104.02,1.5,2.25,0"  # the last row, crossed
    csv_path.write_text("\n".join(lines) + "\n")

    with pytest.raises(DatasetError) as caught:
        open_dataset(tmp_path)

    assert (caught.value.path, caught.value.line) == (csv_path, 6)
    assert "bid 104.10 is not below ask 104.05" in str(caught.value)


def test_a_file_that_turns_bad_after_opening_is_named_when_the_replay_reaches_the_row(tmp_path: Path) -> None:
    write_dataset(tmp_path, small_dataset(), "unit test")
    opened = open_dataset(tmp_path)
    csv_path = tmp_path / "TESTTRY.csv"
    with csv_path.open("a") as handle:
        handle.write("1700000300000,oops,104.05,104.02,1.5,2.25,0\n")

    rows = opened.open_rows("TESTTRY")
    assert [row.ts_ms for row in (next(rows) for _ in range(5))] == [r.ts_ms for r in small_rows()]
    with pytest.raises(DatasetError, match=r"TESTTRY.csv:7: bid 'oops' is not a decimal number"):
        next(rows)


def test_the_writer_returns_the_dataset_it_wrote(tmp_path: Path) -> None:
    with DatasetWriter(tmp_path / "out", name="w", step_ms=60_000, pairs=[TEST_RULES]) as out:
        for row in small_rows():
            out.write("TESTTRY", row)
        written = out.commit("unit test")

    assert written == open_dataset(tmp_path / "out")
    assert load_dataset(tmp_path / "out").rows["TESTTRY"] == small_rows()


def test_a_failed_write_leaves_no_directory_it_created(tmp_path: Path) -> None:
    rows = small_rows()
    crossed = replace(rows[3], bid=rows[3].ask)

    with pytest.raises(DatasetError, match=r"TESTTRY.csv:5: bid"):
        write_dataset(tmp_path / "new", small_dataset((*rows[:3], crossed)), "unit test")

    assert not (tmp_path / "new").exists()


def test_a_csv_that_cannot_be_read_is_named(tmp_path: Path) -> None:
    write_dataset(tmp_path, small_dataset(), "unit test")
    csv_path = tmp_path / "TESTTRY.csv"
    csv_path.unlink()
    csv_path.mkdir()  # there, but not a file

    with pytest.raises(DatasetError, match=r"TESTTRY.csv: cannot be read \(Is a directory\)"):
        open_dataset(tmp_path)


def test_a_writer_told_to_drop_empty_pairs_commits_the_others(tmp_path: Path) -> None:
    other = replace(TEST_RULES, symbol="OTHERTRY", base="OTHER")
    with DatasetWriter(tmp_path / "out", name="w", step_ms=60_000, pairs=[TEST_RULES, other]) as out:
        for row in small_rows():
            out.write("TESTTRY", row)
        assert out.rows_written == {"OTHERTRY": 0, "TESTTRY": 5}
        written = out.commit("unit test", drop_empty=True)

    assert written.symbols == ("TESTTRY",)
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == ["TESTTRY.csv", "dataset.json"]
    assert load_dataset(tmp_path / "out").rows["TESTTRY"] == small_rows()


def test_a_writer_with_no_row_for_any_pair_commits_nothing_even_when_dropping_empty_pairs(
    tmp_path: Path,
) -> None:
    with (
        pytest.raises(DatasetError, match="no rows for TESTTRY"),
        DatasetWriter(tmp_path / "out", name="w", step_ms=60_000, pairs=[TEST_RULES]) as out,
    ):
        out.commit("unit test", drop_empty=True)
    assert not (tmp_path / "out").exists()
