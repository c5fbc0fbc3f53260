"""Running the exchange simulator as a command (`bot exchange-sim`)."""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from decimal import Decimal
from pathlib import Path

from bot.app.errors import CommandError
from bot.replay import DatasetError, load_dataset
from bot.sim import (
    FaultProfileError,
    SimConfig,
    SimConfigError,
    apply_assignments,
    load_fault_profile,
    load_sim_config,
    serve,
)

log = logging.getLogger(__name__)


def sim_config(
    config_path: Path | None,
    *,
    port: int | None,
    speed: Decimal | None,
    seed: int | None,
    faults_path: Path | None = None,
    fault_assignments: Sequence[str] = (),
) -> SimConfig:
    """The config file (or defaults) with command-line overrides. Faults: the config's [faults],
    replaced by `--faults FILE`, then each `--fault KEY=VALUE` applied on top."""
    try:
        config = load_sim_config(config_path) if config_path else SimConfig()
        faults = load_fault_profile(faults_path) if faults_path else config.faults
        faults = apply_assignments(faults, fault_assignments)
    except (SimConfigError, FaultProfileError) as e:
        raise CommandError(str(e)) from e
    updates: dict[str, object] = {"faults": faults}
    if port is not None:
        updates["port"] = port
    if speed is not None:
        updates["speed"] = speed
    if seed is not None:
        updates["seed"] = seed
    return config.model_copy(update=updates)


def bot_env_lines(config: SimConfig, host: str, port: int) -> list[str]:
    """The BOT_* settings of a paper-mode bot trading against this simulator: its REST, graph and
    WebSocket addresses and, when the simulator has an account, that account's keys (test
    fixtures that exist only inside the simulator); without one, a paper account on its prices."""
    url = f"http://{host}:{port}"
    lines = [
        "# Written by `bot exchange-sim --env-file`: a paper-mode bot against this simulator.",
        "BOT_MODE=paper",
        f"BOT_EXCHANGE__BASE_URL={url}",
        f"BOT_EXCHANGE__GRAPH_BASE_URL={url}",
        "BOT_MARKET_DATA__SOURCE=exchange",
        "BOT_MARKET_DATA__FEED=websocket",
        f"BOT_MARKET_DATA__WS_URL=ws://{host}:{port}/",
    ]
    if config.accounts:
        account = config.accounts[0]
        lines += [
            "BOT_EXCHANGE__ADAPTER=btcturk",
            f"BOT_EXCHANGE__API_KEY={account.api_key}",
            f"BOT_EXCHANGE__API_SECRET={account.api_secret}",
        ]
    else:
        lines.append("BOT_EXCHANGE__ADAPTER=paper")
    return lines


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
