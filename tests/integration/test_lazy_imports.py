"""A command loads only what it uses: a paper replay never loads the simulator, the HTTP and
WebSocket stacks or OpenTelemetry; `bot --help` loads the command line only; the config and
ledger commands do not load the runtime.

Each case runs the real command line (`python -m bot`) in a fresh process under `-X importtime`,
which names every module the process imports. Structural only: nothing here is timed.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.integration

REPO = Path(__file__).resolve().parents[2]
EXCHANGE_STACKS = (
    "bot.sim",
    "uvicorn",
    "starlette",
    "websockets",
    "httpx",
    "bot.exchange.btcturk.async_client",
    "bot.exchange.btcturk.sync_client",
    "bot.exchange.btcturk.ws.feed",
    "opentelemetry",  # tracing is off by default
)
RUNTIME = ("bot.app.composition", "bot.app.loop", "prometheus_client", *EXCHANGE_STACKS)


def imported(args: list[str], tmp_path: Path) -> set[str]:
    """Every module `bot ARGS` imports, run from the repository root with no BOT_* variables."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("BOT_")}
    env["BOT_STORE__PATH"] = str(tmp_path / "ledger.sqlite")
    done = subprocess.run(
        [sys.executable, "-X", "importtime", "-m", "bot", *args],
        env=env,
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    lines = [line for line in done.stderr.splitlines() if line.startswith("import time:")]
    names = {line.rsplit("|", 1)[1].strip() for line in lines[1:]}  # [0] is the header
    assert "bot.cli.main" in names, "no module list: did -X importtime change its format?"
    return names


def loaded(names: set[str], packages: tuple[str, ...]) -> list[str]:
    return sorted(n for n in names if any(n == p or n.startswith(f"{p}.") for p in packages))


@pytest.mark.parametrize("command", ["run", "stage7-run"])
def test_a_paper_replay_loads_no_simulator_http_websocket_or_tracing_stack(
    tmp_path: Path, command: str
) -> None:
    names = imported([command, "--once", "--set", "universe.symbols=BTCTRY,ETHTRY,XRPTRY"], tmp_path)
    assert "bot.exchange.paper" in names and "bot.app.composition" in names  # it did run
    assert loaded(names, EXCHANGE_STACKS) == []


def test_help_loads_the_command_line_only(tmp_path: Path) -> None:
    names = imported(["--help"], tmp_path)
    assert loaded(names, ("bot",)) == sorted(n for n in names if n == "bot" or n.startswith("bot.cli"))
    assert loaded(names, ("pydantic", "bot.config", "bot.app", *RUNTIME)) == []


@pytest.mark.parametrize(
    "command", [["config", "check"], ["config", "show"], ["ledger", "init"], ["kill-switch", "status"]]
)
def test_config_and_ledger_commands_do_not_load_the_runtime(tmp_path: Path, command: list[str]) -> None:
    if command[0] == "kill-switch":
        imported(["ledger", "init"], tmp_path)
    assert loaded(imported(command, tmp_path), RUNTIME) == []


def test_ledger_show_and_verify_do_not_load_the_runtime(tmp_path: Path) -> None:
    imported(["stage7-run", "--once"], tmp_path)
    for command in (["ledger", "show"], ["ledger", "verify"]):
        assert loaded(imported(command, tmp_path), RUNTIME) == [], command
