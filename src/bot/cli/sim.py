from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import click

from bot.cli.errors import exit_on_known_errors
from bot.cli.options import positive_decimal


def _write_atomically(path: Path, text: str) -> None:
    """Readers polling for the file see it whole or not at all; only its owner can read it."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(path.suffix + ".tmp")
    tmp.write_text(text)
    tmp.chmod(0o600)
    tmp.replace(path)


@click.command("exchange-sim")
@click.option(
    "--config",
    "config_path",
    type=click.Path(path_type=Path, dir_okay=False, exists=True),
    default=None,
    help="Simulator TOML (accounts, fees, stamp window); see configs/simulator/exchange-sim.toml.",
)
@click.option(
    "--dataset",
    "dataset_path",
    type=click.Path(path_type=Path),
    default=Path("replays/synthetic"),
    show_default=True,
    help="Replay dataset that drives prices.",
)
@click.option(
    "--port", type=click.IntRange(0, 65535), default=None, help="Port on 127.0.0.1 (0: the OS picks)."
)
@click.option(
    "--port-file",
    type=click.Path(path_type=Path, dir_okay=False),
    default=None,
    help="Write the bound port here once listening (for scripts).",
)
@click.option(
    "--env-file",
    type=click.Path(path_type=Path, dir_okay=False),
    default=None,
    help="Write the BOT_* settings a bot needs to trade against this simulator (then `set -a; . FILE`).",
)
@click.option(
    "--speed", callback=positive_decimal, default=None, help="Dataset milliseconds per wall millisecond."
)
@click.option("--seed", type=int, default=None, help="Seed for every random choice (faults included).")
@click.option(
    "--faults",
    "faults_path",
    type=click.Path(path_type=Path, dir_okay=False, exists=True),
    default=None,
    help="Fault profile TOML (replaces the config's [faults]); see configs/faults/.",
)
@click.option(
    "--fault",
    "fault_assignments",
    multiple=True,
    metavar="KEY=VALUE",
    help="Override one fault knob (TOML value, repeatable), e.g. --fault http_429_ratio=0.2.",
)
def exchange_sim(
    config_path: Path | None,
    dataset_path: Path,
    port: int | None,
    speed: Decimal | None,
    seed: int | None,
    faults_path: Path | None,
    fault_assignments: tuple[str, ...],
    **written: Path | None,
) -> None:
    """Serve a BTCTurk-compatible exchange on loopback (REST and WebSocket), driven by a replay dataset."""
    # The simulator (starlette, uvicorn, websockets) loads for this command only.
    from bot.app.simulator import bot_env_lines, serve_simulator, sim_config

    port_file, env_file = written["port_file"], written["env_file"]  # where to say it is ready

    def ready(host: str, bound: int) -> None:
        click.echo(f"exchange simulator listening on http://{host}:{bound}", err=True)
        if port_file is not None:
            _write_atomically(port_file, f"{bound}\n")
        if env_file is not None:
            _write_atomically(env_file, "".join(f"{line}\n" for line in bot_env_lines(config, host, bound)))
            click.echo(f"settings for a bot: {env_file} (set -a; . {env_file}; set +a)", err=True)

    with exit_on_known_errors():
        config = sim_config(
            config_path,
            port=port,
            speed=speed,
            seed=seed,
            faults_path=faults_path,
            fault_assignments=fault_assignments,
        )
        serve_simulator(config, dataset_path, ready)
