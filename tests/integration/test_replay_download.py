"""`bot replay-download` against the simulator on loopback: the dataset it writes holds the
simulator's candles over the window (read in pages), loads, backtests, reports gaps; bad input
is one line and an exit code."""

from __future__ import annotations

import json
import os
import socket
import subprocess
from collections.abc import Iterator
from dataclasses import replace
from decimal import Decimal
from pathlib import Path

import pytest

from bot.app.download import replay_download
from bot.config import load_settings
from bot.domain.dataset import Dataset
from bot.replay import DEFAULT_PAIRS, generate, open_dataset, read_manifest
from bot.sim import SimConfig
from bot.testing import FakeClock
from bot.testing.simulator import serving
from tests.integration.conftest import bot

pytestmark = pytest.mark.integration

MINUTE_MS = 60_000
START_MS = 1_704_067_200_000  # 2024-01-01 00:00 UTC
STEPS = 3_000
GAP = range(START_MS + 1_200 * MINUTE_MS, START_MS + 1_205 * MINUTE_MS, MINUTE_MS)  # 20:00 .. 20:04


@pytest.fixture(scope="module")
def market() -> Dataset:
    """Two pairs, a minute a row, BTCTRY missing five minutes."""
    generated = generate({s: DEFAULT_PAIRS[s] for s in ("BTCTRY", "ETHTRY")}, STEPS, MINUTE_MS, seed=11)
    btc = tuple(row for row in generated.rows["BTCTRY"] if row.ts_ms not in GAP)
    return replace(generated, rows={**generated.rows, "BTCTRY": btc})


@pytest.fixture(scope="module")
def exchange(market: Dataset) -> Iterator[str]:
    """The simulator with the whole dataset replayed: its clock starts at the dataset's start at
    speed 1 (so a bar's wall time is its market time) and is moved past the end."""
    clock = FakeClock(START_MS)
    with serving(SimConfig(speed=Decimal(1)), market, clock=clock) as served:
        clock.set(market.end_ms + MINUTE_MS)
        yield served.url


def settings_for(url: str, **extra: str):
    return load_settings(
        None, {}, {"exchange.base_url": url, "exchange.graph_base_url": url, **extra}
    ).settings


def test_a_window_longer_than_a_page_downloads_the_simulators_candles(exchange, market, tmp_path):
    window = (START_MS + 10 * MINUTE_MS, START_MS + 2_510 * MINUTE_MS)  # 2,500 bars: three pages
    out = tmp_path / "bars"
    summary = replay_download(
        settings_for(exchange), out, symbols=("BTCTRY", "ETHTRY"), window=window, step_ms=MINUTE_MS
    )
    dataset = open_dataset(out)
    for symbol in ("BTCTRY", "ETHTRY"):
        expected = market.rows_between(symbol, window[0] - 1, window[1] - 1)
        written = tuple(dataset.open_rows(symbol))
        # One row a minute: the candle's open, high, low and close are all that row's `last`.
        assert [(r.ts_ms, r.last, r.volume) for r in written] == [
            (r.ts_ms, r.last, r.volume) for r in expected
        ]
        assert all(r.bid < r.last < r.ask for r in written)
        assert dataset.pairs[symbol] == market.pairs[symbol]  # the rules came from exchangeinfo
    btc, eth = summary.symbols
    assert (btc.rows, eth.rows) == (2_495, 2_500)
    assert (btc.requests, eth.requests) == (3, 3)
    assert [(g.start_ms, g.end_ms, g.missing_steps) for g in btc.gaps] == [(GAP[0], GAP[-1], 5)]
    assert eth.gaps == () and btc.duplicates == eth.duplicates == 0
    text = summary.text()
    assert "BTCTRY: 2495 rows in 3 requests, 1 gaps (5 missing steps" in text
    assert "  2024-01-01 20:00 .. 2024-01-01 20:04: 5 missing" in text
    source = read_manifest(out).source
    assert "/v1/klines/history resolution=1" in source and "spread_bps=5" in source
    assert "BTCTRY:rows=2495,gaps=1,missing_steps=5,duplicates=0" in source


def test_longer_bars_are_the_simulators_rows_resampled_with_last_the_close(exchange, market, tmp_path):
    window = (START_MS, START_MS + 60 * MINUTE_MS)
    replay_download(
        settings_for(exchange), tmp_path / "5m", symbols=("ETHTRY",), window=window, step_ms=5 * MINUTE_MS
    )
    written = tuple(open_dataset(tmp_path / "5m").open_rows("ETHTRY"))
    assert len(written) == 12
    for row in written:
        members = market.rows_between("ETHTRY", row.ts_ms - 1, row.ts_ms + 4 * MINUTE_MS)
        assert len(members) == 5
        assert row.last == members[-1].last != members[0].last  # the close, not the open
        assert row.volume == sum(m.volume for m in members)


def test_a_downloaded_dataset_runs_a_backtest(exchange, tmp_path):
    from bot.app.backtest import backtest_settings, run_backtest

    data = tmp_path / "bars"
    window = (START_MS, START_MS + 120 * MINUTE_MS)
    replay_download(
        settings_for(exchange), data, symbols=("BTCTRY", "ETHTRY"), window=window, step_ms=MINUTE_MS
    )
    out = tmp_path / "bt"
    settings = backtest_settings(
        None, {"universe.symbols": "BTCTRY,ETHTRY"}, dataset=data, out=out, verbose=False
    )
    outcome = run_backtest(settings, "7", out=out, progress=False)
    assert outcome.report["complete"] is True
    assert outcome.report["cycles"]["total"] == 119
    assert outcome.report["verify"]["ok"] is True


def cli_env() -> dict[str, str]:
    return {k: v for k, v in os.environ.items() if not k.startswith("BOT_")}


def download(out: Path, url: str, *args: str) -> subprocess.CompletedProcess[str]:
    urls = ["--set", f"exchange.base_url={url}", "--set", f"exchange.graph_base_url={url}"]
    return bot(["replay-download", str(out), *urls, *args], cli_env(), timeout=60)


def one_line(done: subprocess.CompletedProcess[str], code: int) -> str:
    assert done.returncode == code, done.stderr[-2000:]
    assert "Traceback" not in done.stderr
    (line,) = done.stderr.splitlines()
    assert line.startswith("error: ")
    return line


def test_bad_input_is_one_line_and_an_exit_code(exchange, tmp_path):
    out = tmp_path / "bars"
    day = ["--from", "2024-01-01", "--to", "2024-01-01T02:00"]
    ok = download(out, exchange, "--symbols", "BTCTRY", *day, "--json")
    assert ok.returncode == 0, ok.stderr[-2000:]
    assert json.loads(ok.stdout)["symbols"][0]["rows"] == 120

    line = one_line(download(out, exchange, "--symbols", "BTCTRY", *day), 2)
    assert f"{out} already holds a dataset; pass --overwrite" in line
    backwards = ["--from", "2024-01-02", "--to", "2024-01-01"]
    line = one_line(download(tmp_path / "x", exchange, "--symbols", "BTCTRY", *backwards), 2)
    assert "--from 2024-01-02 00:00 is not before --to 2024-01-01 00:00" in line
    line = one_line(download(tmp_path / "x", exchange, "--symbols", "BTCTRY,DOGETRY", *day), 2)
    assert "--symbols: DOGETRY not listed by the exchange" in line and "it lists BTCTRY, ETHTRY" in line
    line = one_line(download(tmp_path / "x", exchange, "--symbols", "BTCTRY", *day, "--step", "2m"), 2)
    assert "--step 2m: the graph API serves bars of 1m, 5m, 15m, 30m, 1h, 4h, 1d" in line
    later = ["--from", "2025-01-01", "--to", "2025-01-02"]
    line = one_line(download(tmp_path / "x", exchange, "--symbols", "BTCTRY", *later), 1)
    assert "the exchange has no BTCTRY bars opening in 2025-01-01 00:00 .. 2025-01-02 00:00 UTC" in line

    with socket.socket() as probe:  # a port nothing listens on
        probe.bind(("127.0.0.1", 0))
        closed = f"http://127.0.0.1:{probe.getsockname()[1]}"
    done = download(
        tmp_path / "x", closed, "--symbols", "BTCTRY", *day, "--set", "exchange.read_max_attempts=1"
    )
    line = one_line(done, 1)
    assert f"the exchange at {closed} did not answer usably" in line and "check exchange.base_url" in line
    assert not (tmp_path / "x").exists()
