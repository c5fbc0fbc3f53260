"""A signed daemon run at DEBUG, with the private WebSocket channel logged in, leaves no part of
the API key or secret in its log lines, its /metrics page or its ledger files."""

from __future__ import annotations

import json
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path

import httpx
import pytest

from bot.sim import SimAccount, SimConfig
from bot.testing.simulator import serving
from tests.integration.conftest import REPO, SEED_BALANCES, SimHandle, bot_env

pytestmark = pytest.mark.integration

# Neither has a run of six hex digits or digits, so no hash, id or price in a ledger can match.
KEY = "kx7QwZ-pLm9Tr-vN4sYh-Jd2Gf8wXc"
SECRET = "bGVhay10ZXN0LXNlY3JldC1uZXZlci1sb2dnZWQhISE="


def fragments() -> set[str]:
    return {v[i : i + 6] for v in (KEY, SECRET) for i in range(len(v) - 5)}


@pytest.fixture
def simulator(dataset) -> Iterator[SimHandle]:
    account = SimAccount(api_key=KEY, api_secret=SECRET, balances=SEED_BALANCES)
    with serving(SimConfig(accounts=(account,), speed=Decimal(1200), seed=3), dataset) as served:
        yield SimHandle(served.url, served.exchange)


def _metrics_url(log: Path, deadline_s: float = 30.0) -> str:
    end = time.monotonic() + deadline_s
    for _ in range(int(deadline_s / 0.1) + 1):  # bounded in count and time
        if time.monotonic() > end:
            break
        for line in log.read_text(encoding="utf-8", errors="replace").splitlines():
            if '"metrics endpoint"' in line:
                return json.loads(line)["url"]
        time.sleep(0.1)
    raise AssertionError("the daemon never logged its metrics endpoint:\n" + log.read_text()[-2000:])


def test_signed_debug_run_leaks_no_part_of_key_or_secret(simulator: SimHandle, tmp_path: Path) -> None:
    db = tmp_path / "bot.sqlite"
    env = bot_env(
        simulator.url,
        db,
        BOT_EXCHANGE__API_KEY=KEY,
        BOT_EXCHANGE__API_SECRET=SECRET,
        BOT_MARKET_DATA__FEED="websocket",
        BOT_MARKET_DATA__WS_URL=simulator.url.replace("http://", "ws://") + "/",
        BOT_OBSERVABILITY__LOG_LEVEL="DEBUG",
    )
    log = tmp_path / "stderr.log"
    command = [sys.executable, "-m", "bot", "run", "--loop", "--max-cycles", "0", "--cycle-seconds", "0.1"]
    with log.open("w", encoding="utf-8") as stderr:  # a file, not a pipe: DEBUG output never blocks it
        proc = subprocess.Popen(command, env=env, cwd=REPO, stdout=subprocess.DEVNULL, stderr=stderr)
        try:
            url = _metrics_url(log)
            scrape = ""
            for _ in range(200):  # bounded: until orders were submitted, so order labels exist
                scrape = httpx.get(url, timeout=5).text
                if "bot_orders_submitted_total{" in scrape:
                    break
                time.sleep(0.1)
            proc.send_signal(signal.SIGTERM)
            proc.wait(timeout=30)
        finally:
            if proc.poll() is None:
                proc.kill()
    logged = log.read_text(encoding="utf-8", errors="replace")
    assert proc.returncode == 0, logged[-2000:]
    assert "bot_orders_submitted_total{" in scrape
    assert '"level": "DEBUG", "logger": "websockets.client"' in logged, "the websocket client logged at DEBUG"
    assert '"logged_in": true' in logged or "Authenticated" in logged, "the private channel logged in"
    ledger_files = b"".join(p.read_bytes() for p in tmp_path.iterdir() if p.name.startswith("bot.sqlite"))
    assert b"SQLite format 3" in ledger_files
    for name, text in (("log", logged), ("metrics", scrape), ("ledger", ledger_files.decode("latin-1"))):
        assert sorted(f for f in fragments() if f in text) == [], name
