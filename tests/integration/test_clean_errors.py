"""Bad input at start is one line on stderr naming the problem and the fix, exit 2, never a
traceback, and nothing already recorded changes."""

from __future__ import annotations

import socket
import subprocess
from pathlib import Path

import pytest

from tests.integration.conftest import bot

pytestmark = pytest.mark.integration

SECRET = "bGVhay10ZXN0LXNlY3JldC1uZXZlci1sb2dnZWQhISE="


def paper_env(tmp_path: Path, **extra: str) -> dict[str, str]:
    return {"PATH": "", "BOT_STORE__PATH": str(tmp_path / "bot.sqlite"), **extra}


def one_error_line(result: subprocess.CompletedProcess[str]) -> str:
    assert result.returncode == 2, result.stderr[-2000:]
    assert "Traceback" not in result.stderr
    (line,) = result.stderr.splitlines()
    assert line.startswith("error: ")
    return line


@pytest.mark.parametrize("command", [["config", "check"], ["run", "--once"], ["stage7-run", "--once"]])
def test_a_profile_that_is_not_utf8_is_one_line_naming_file_and_line(
    tmp_path: Path, command: list[str]
) -> None:
    profile = tmp_path / "latin1.toml"
    profile.write_bytes("[risk]\nmax_orders_per_cycle = 2 # café\n".encode("latin-1"))
    line = one_error_line(bot([*command, "--config", str(profile)], paper_env(tmp_path)))
    assert f"{profile}: line 2 is not UTF-8" in line and "re-save the file as UTF-8" in line
    assert not (tmp_path / "bot.sqlite").exists()


def test_bot_config_naming_a_directory_is_one_line(tmp_path: Path) -> None:
    line = one_error_line(bot(["run", "--once"], paper_env(tmp_path, BOT_CONFIG=str(tmp_path))))
    assert "is a directory; point --config (or BOT_CONFIG) at a readable TOML file" in line


def test_a_secret_that_is_not_base64_is_refused_by_config_check_and_the_runners(tmp_path: Path) -> None:
    bad = SECRET.replace("=", "") + "!"
    (tmp_path / "secret").write_text(bad + "\n", encoding="utf-8")
    cases = [
        (["config", "check"], {"BOT_EXCHANGE__API_SECRET": bad}, "env:BOT_EXCHANGE__API_SECRET"),
        (["config", "check"], {"BOT_EXCHANGE__API_SECRET_FILE": str(tmp_path / "secret")}, "file:"),
        (["run", "--once"], {"BOT_EXCHANGE__API_SECRET": bad}, "env:BOT_EXCHANGE__API_SECRET"),
    ]
    for command, env, origin in cases:
        line = one_error_line(bot(command, paper_env(tmp_path, **env)))
        assert f"exchange.api_secret (from {origin}" in line and "not valid base64" in line
        assert [bad[i : i + 6] for i in range(len(bad) - 5) if bad[i : i + 6] in line] == []
    assert not (tmp_path / "bot.sqlite").exists()


def test_a_metrics_port_in_use_stops_the_loop_before_any_ledger_write(tmp_path: Path) -> None:
    env = paper_env(tmp_path)
    first = bot(["run", "--once"], env)  # a ledger with one recorded cycle
    assert first.returncode == 0, first.stderr[-2000:]
    ledger = tmp_path / "bot.sqlite"
    before = {p.name: p.read_bytes() for p in tmp_path.iterdir() if p.name.startswith("bot.sqlite")}
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        run = ["run", "--loop", "--max-cycles", "3", "--set", f"observability.metrics_port={port}"]
        line = one_error_line(bot(run, env))
        fresh = bot(run, paper_env(tmp_path / "fresh"))
    assert f"127.0.0.1:{port}" in line and "already in use" in line
    assert "observability.metrics_port" in line and "--set observability.metrics_port=0" in line
    after = {p.name: p.read_bytes() for p in tmp_path.iterdir() if p.name.startswith("bot.sqlite")}
    assert after == before, f"{ledger} changed although the run stopped at its metrics port"
    one_error_line(fresh)
    assert not (tmp_path / "fresh" / "bot.sqlite").exists(), (
        "no ledger is created for a run that cannot start"
    )
