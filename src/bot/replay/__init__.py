"""Replay datasets: the on-disk format, its validation, a synthetic generator and importers.

The public API (what `app` and `cli` call):

- `open_dataset(path) -> StreamingDataset`: every row checked in one pass, then read from disk as
  a replay reaches it (memory does not grow with the dataset's length)
- `load_dataset(path) -> Dataset` (every row in memory), `write_dataset(path, dataset, source, ...)`,
  `DatasetWriter` (write row by row)
- `generate(symbols, steps, step_ms, seed, start_ms) -> Dataset`, `generate_steps(...)` (a step at
  a time), `init_synthetic(out_dir, ...)` (generated straight to disk)
- `import_ohlcv(csv_path, ImportedPair, book=BookShape, spikes=SpikeRule, ...) -> ImportResult`,
  `import_ohlcv_to_dir(csv_path, out_dir, ImportedPair, ...)`
- `DatasetError`: every malformed input, naming the file, the line and the fix.

The format is described in replays/README.md.
"""

from bot.replay.dataset_io import DatasetWriter, load_dataset, open_dataset, write_dataset
from bot.replay.errors import DatasetError
from bot.replay.importer import (
    BookShape,
    Gap,
    ImportedPair,
    ImportResult,
    SpikeRule,
    import_ohlcv,
    import_ohlcv_to_dir,
)
from bot.replay.manifest import CSV_HEADER, FORMAT, Manifest, read_manifest
from bot.replay.ohlcv import SkippedRow
from bot.replay.pair_specs import DEFAULT_PAIRS, PairSpec
from bot.replay.rows import CHUNK_BYTES, RowSpan
from bot.replay.streaming import StreamingDataset
from bot.replay.synthetic import DEFAULT_START_MS, generate, generate_steps, init_synthetic

__all__ = [
    "CHUNK_BYTES",
    "CSV_HEADER",
    "DEFAULT_PAIRS",
    "DEFAULT_START_MS",
    "FORMAT",
    "BookShape",
    "DatasetError",
    "DatasetWriter",
    "Gap",
    "ImportResult",
    "ImportedPair",
    "Manifest",
    "PairSpec",
    "RowSpan",
    "SkippedRow",
    "SpikeRule",
    "StreamingDataset",
    "generate",
    "generate_steps",
    "import_ohlcv",
    "import_ohlcv_to_dir",
    "init_synthetic",
    "load_dataset",
    "open_dataset",
    "read_manifest",
    "write_dataset",
]
