"""Opening the configured replay dataset, with an error that says what to do."""

from __future__ import annotations

from bot.config import ConfigError, Settings
from bot.domain.dataset import Dataset
from bot.replay.dataset_io import DatasetError, open_dataset


def load_configured_dataset(settings: Settings) -> Dataset:
    """The dataset at `market_data.dataset`, every row checked in one streaming pass and then read
    from disk as the replay reaches it (a `bot.replay.StreamingDataset`): memory does not grow with
    the dataset's length. Raises ConfigError (exit 2) naming the file and line of a bad row, or a
    listed symbol the dataset lacks.
    """
    path = settings.market_data.dataset
    if not path.exists():
        raise ConfigError(
            f"market_data.dataset: {path} does not exist (relative paths are resolved from the current "
            "directory); run from the repository root, or create one with `bot replay-init PATH`"
        )
    try:
        dataset = open_dataset(path)
    except DatasetError as e:
        raise ConfigError(f"market_data.dataset: {e}") from e
    missing = [s for s in settings.universe.symbols if s not in dataset.pairs]
    if missing:
        raise ConfigError(
            f"universe.symbols: {', '.join(missing)} not in dataset {path} "
            f"(it has {', '.join(dataset.symbols)}); change universe.symbols or the dataset"
        )
    return dataset
