"""Running the exchange simulator as a command (`bot exchange-sim`)."""

from __future__ import annotations

import logging
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path

from bot.app.errors import CommandError
from bot.replay import DatasetError, load_dataset
from bot.sim import SimConfig, SimConfigError, load_sim_config, serve

log = logging.getLogger(__name__)


def sim_config(
    config_path: Path | None, *, port: int | None, speed: Decimal | None, seed: int | None
) -> SimConfig:
    try:
        config = load_sim_config(config_path) if config_path else SimConfig()
    except SimConfigError as e:
        raise CommandError(str(e)) from e
    updates: dict[str, object] = {}
    if port is not None:
        updates["port"] = port
    if speed is not None:
        updates["speed"] = speed
    if seed is not None:
        updates["seed"] = seed
    return config.model_copy(update=updates)


def serve_simulator(config: SimConfig, dataset_path: Path, on_ready: Callable[[str, int], None]) -> None:
    if not dataset_path.exists():
        raise CommandError(
            f"--dataset: {dataset_path} does not exist; create one with `bot replay-init PATH`"
        )
    try:
        dataset = load_dataset(dataset_path)
    except DatasetError as e:
        raise CommandError(f"--dataset: {e}") from e
    serve(config, dataset, ready=on_ready)
