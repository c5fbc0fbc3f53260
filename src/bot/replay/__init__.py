"""Replay datasets: the on-disk format, its validation, a synthetic generator and importers.

The public API (what `app` and `cli` call):

- `load_dataset(path) -> Dataset`, `write_dataset(path, dataset, source, *, overwrite=False)`
- `generate(symbols, steps, step_ms, seed, start_ms) -> Dataset`, `init_synthetic(out_dir, ...)`
- `import_ohlcv(csv_path, ...) -> ImportResult`, `import_ohlcv_to_dir(csv_path, out_dir, ...)`
- `DatasetError`: every malformed input, naming the file, the line and the fix.

The format is described in replays/README.md.
"""

from bot.replay.dataset_io import load_dataset, write_dataset
from bot.replay.errors import DatasetError
from bot.replay.importer import Gap, ImportResult, import_ohlcv, import_ohlcv_to_dir
from bot.replay.manifest import CSV_HEADER, FORMAT, Manifest, read_manifest
from bot.replay.ohlcv import SkippedRow
from bot.replay.pair_specs import DEFAULT_PAIRS, PairSpec
from bot.replay.synthetic import DEFAULT_START_MS, generate, init_synthetic

__all__ = [
    "CSV_HEADER",
    "DEFAULT_PAIRS",
    "DEFAULT_START_MS",
    "FORMAT",
    "DatasetError",
    "Gap",
    "ImportResult",
    "Manifest",
    "PairSpec",
    "SkippedRow",
    "generate",
    "import_ohlcv",
    "import_ohlcv_to_dir",
    "init_synthetic",
    "load_dataset",
    "read_manifest",
    "write_dataset",
]
