"""`bot replay-capture` against the simulator on loopback, over REST and over the WebSocket feed:
a few seconds make a dataset that loads, with a row per symbol per step taken from the
simulator's market; a frozen feed shows as stale steps; a signal stops it keeping what it has;
bad input is one line and an exit code."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path

import httpx
import pytest

from bot.app.capture import CapturePlan, replay_capture
from bot.config import load_settings
from bot.domain.dataset import Dataset
from bot.replay import DEFAULT_PAIRS, generate, open_dataset
from bot.sim import SimConfig
from bot.testing.simulator import ServedSimulator, serving
from tests.integration.conftest import REPO, bot

pytestmark = pytest.mark.integration

SYMBOLS = ("BTCTRY", "ETHTRY")
SECONDS = 4


@pytest.fixture(scope="module")
def market() -> Dataset:
    return generate({s: DEFAULT_PAIRS[s] for s in SYMBOLS}, 20_000, 60_000, seed=5)


@pytest.fixture
def exchange(market: Dataset) -> Iterator[ServedSimulator]:
    """Two one-minute rows a wall second: every one-second step sees fresh data."""
    with serving(SimConfig(speed=Decimal(120)), market) as served:
        yield served


def settings_for(served: ServedSimulator, feed: str):
    overrides = {
        "exchange.base_url": served.url,
        "market_data.source": "exchange",
        "market_data.feed": feed,
        "market_data.ws_url": served.ws_url,
    }
    return load_settings(None, {}, overrides).settings


def freeze(served: ServedSimulator) -> None:
    httpx.post(f"{served.url}/_sim/freeze", params={"on": "true"}, timeout=5).raise_for_status()


def plan(out: Path, seconds: int = SECONDS) -> CapturePlan:
    return CapturePlan(out_dir=out, symbols=SYMBOLS, step_ms=1_000, duration_ms=seconds * 1_000)


@pytest.mark.parametrize("feed", ["rest", "websocket"])
def test_a_capture_writes_a_row_per_symbol_per_step_from_the_simulators_market(
    exchange, market, feed, tmp_path
):
    summary = replay_capture(settings_for(exchange, feed), plan(tmp_path / "cap"))
    assert summary.feed == feed and summary.steps_run == SECONDS and summary.stopped_by is None
    dataset = open_dataset(tmp_path / "cap")
    assert dataset.step_ms == 1_000 and dataset.symbols == SYMBOLS
    quoted = {s: {(r.bid, r.ask, r.last) for r in market.rows[s]} for s in SYMBOLS}
    for symbol in SYMBOLS:
        rows = list(dataset.open_rows(symbol))
        capture = summary.captures[symbol]
        assert capture.rows == len(rows) and capture.rows + capture.missed_steps == SECONDS
        # Every step has fresh data; only a machine too loaded to read within a step may miss one.
        assert set(capture.missed_by_reason()) <= {"late"} and capture.rows >= 2, capture.missed
        late = {ts for run in capture.missed for ts in range(run.start_ms, run.end_ms + 1, 1_000)}
        steps = [summary.first_ms + i * 1_000 for i in range(SECONDS)]
        assert [r.ts_ms for r in rows] == [ts for ts in steps if ts not in late]
        assert all((r.bid, r.ask, r.last) in quoted[symbol] for r in rows)  # the simulator's market
        assert all(r.bid_qty > 0 and r.ask_qty > 0 for r in rows)
        assert rows[0].volume == 0 and any(r.volume > 0 for r in rows[1:])
    assert f"Captured {SECONDS} steps of 1 s over {feed}" in summary.text()


@pytest.mark.parametrize("feed", ["rest", "websocket"])
def test_a_frozen_feed_shows_as_stale_steps(exchange, feed, tmp_path):
    freeze(exchange)
    summary = replay_capture(settings_for(exchange, feed), plan(tmp_path / "cap", seconds=4))
    for symbol in SYMBOLS:
        capture = summary.captures[symbol]
        assert capture.rows == 1  # the first read is news; nothing after it is
        (run,) = capture.missed
        assert (run.reason.value, run.steps) == ("stale", 3)
        assert run.start_ms == summary.first_ms + 1_000
    assert summary.document()["symbols"][0]["missed_by_reason"] == {"stale": 3}
    assert "steps without a row: BTCTRY" in summary.text() and "stale (3)" in summary.text()
    assert len(list(open_dataset(tmp_path / "cap").open_rows("BTCTRY"))) == 1


def cli_env(served: ServedSimulator, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("BOT_")}
    return env | {
        "BOT_EXCHANGE__BASE_URL": served.url,
        "BOT_UNIVERSE__SYMBOLS": '["BTCTRY","ETHTRY"]',
        **extra,
    }


@pytest.mark.parametrize("sent", [signal.SIGINT, signal.SIGTERM], ids=["SIGINT", "SIGTERM"])
def test_a_signal_stops_the_capture_and_keeps_what_it_captured(exchange, sent, tmp_path):
    out = tmp_path / "cap"
    run = subprocess.Popen(
        [sys.executable, "-m", "bot", "replay-capture", str(out), "--duration", "10m", "--json"],
        env=cli_env(exchange),
        cwd=REPO,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        deadline = time.monotonic() + 30
        while not list(out.glob("*.csv.tmp")):  # the writer is open: the first step is a second away
            assert run.poll() is None, run.communicate()
            assert time.monotonic() < deadline, "the capture did not start within 30 s"
            time.sleep(0.1)
        time.sleep(2.5)
        run.send_signal(sent)
        stdout, stderr = run.communicate(timeout=30)
    finally:
        run.kill()
    assert run.returncode == 0, stderr[-2000:]
    summary = json.loads(stdout)
    assert summary["stopped_by"] == sent.name and 0 < summary["steps_run"] < summary["steps_planned"] == 600
    dataset = open_dataset(out)
    for symbol in summary["symbols"]:
        assert len(list(dataset.open_rows(symbol["symbol"]))) == symbol["rows"] > 0


def one_line(done: subprocess.CompletedProcess[str], code: int) -> str:
    assert done.returncode == code, done.stderr[-2000:]
    assert "Traceback" not in done.stderr
    (line,) = done.stderr.splitlines()
    assert line.startswith("error: ")
    return line


def test_bad_input_is_one_line_and_an_exit_code(exchange, tmp_path):
    env = cli_env(exchange)
    out = tmp_path / "cap"
    ok = bot(["replay-capture", str(out), "--duration", "1s"], env, timeout=60)
    assert ok.returncode == 0, ok.stderr[-2000:]
    assert "Captured 1 steps of 1 s over rest" in ok.stdout

    line = one_line(bot(["replay-capture", str(out), "--duration", "1s"], env, timeout=60), 2)
    assert f"{out} already holds a dataset; pass --overwrite" in line
    line = one_line(
        bot(["replay-capture", str(tmp_path / "x"), "--duration", "1s", "--symbols", "NOPETRY"], env), 2
    )
    assert "--symbols: NOPETRY not listed by the exchange" in line
    line = one_line(bot(["replay-capture", str(tmp_path / "x"), "--duration", "1s", "--step", "2s"], env), 2)
    assert "--duration is shorter than one --step" in line
    tight = ["--set", "exchange.rate_limit_ratio=0.5"]  # 90 book reads a minute; two symbols need 120
    line = one_line(bot(["replay-capture", str(tmp_path / "x"), "--duration", "1m", *tight], env), 2)
    assert "makes 120 /api/v2/orderbook reads per 60 s; the rate budget allows 90" in line
    assert "--set market_data.feed=websocket" in line

    with socket.socket() as probe:  # a port nothing listens on
        probe.bind(("127.0.0.1", 0))
        closed = f"http://127.0.0.1:{probe.getsockname()[1]}"
    unreachable = cli_env(exchange, BOT_EXCHANGE__BASE_URL=closed, BOT_EXCHANGE__READ_MAX_ATTEMPTS="1")
    line = one_line(bot(["replay-capture", str(tmp_path / "x"), "--duration", "1s"], unreachable), 1)
    assert f"the exchange at {closed} did not answer usably" in line
    assert not (tmp_path / "x").exists()
