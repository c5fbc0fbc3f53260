"""Settings that load and run but will not do what they seem to: warnings that `bot config check`
prints (and its `--json` carries) and that a run logs as it starts.

- a paper account whose spending limits exceed its whole seed (`bot.config.currency`);
- a replay whose step outruns the data-age limits or the strategies' sample gap
  (`bot.config.replay_step`), read from the dataset's manifest.
"""

from __future__ import annotations

from bot.config import Settings
from bot.config.currency import seed_cautions
from bot.config.replay_step import replay_step_cautions
from bot.replay.errors import DatasetError
from bot.replay.manifest import read_manifest


def dataset_problem(settings: Settings) -> str | None:
    """Why the configured replay dataset cannot be read (a run refuses it), or None."""
    if settings.market_data.source != "replay":
        return None
    try:
        read_manifest(settings.market_data.dataset)
    except (DatasetError, OSError) as error:
        return f"market_data.dataset: {error}"
    return None


def setting_cautions(settings: Settings, *, cycle_seconds: float | None = None) -> list[str]:
    """Every caution for `settings`, cycled every `cycle_seconds` (default loop.cycle_seconds).
    A replay dataset that cannot be read is no caution but a problem (`dataset_problem`)."""
    cautions = seed_cautions(settings)
    if settings.market_data.source == "replay" and dataset_problem(settings) is None:
        manifest = read_manifest(settings.market_data.dataset)
        period = settings.loop.cycle_seconds if cycle_seconds is None else cycle_seconds
        cautions += replay_step_cautions(settings, step_ms=manifest.step_ms, cycle_seconds=period)
    return cautions
