"""Fixtures for running the real daemon against the simulator over loopback HTTP."""

from __future__ import annotations

import math
import os
import subprocess
import sys
import time
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

import httpx
import pytest

from bot.domain.dataset import Dataset, MarketRow
from bot.replay.pair_specs import DEFAULT_PAIRS
from bot.sim import SimAccount, SimConfig, SimExchange
from bot.testing import FakeClock
from bot.testing.simulator import serving

API_KEY = "11111111-2222-3333-4444-555555555555"
API_SECRET = "c2ltdWxhdG9yLXRlc3Qtc2VjcmV0LTMyLWJ5dGVzISE="
START_MS = 1_700_000_000_000
SEED_BALANCES = {"TRY": Decimal("50000"), "BTC": Decimal("0"), "ETH": Decimal("0")}
REPO = Path(__file__).resolve().parents[2]


@dataclass(frozen=True)
class SimHandle:
    """The simulator served from this process; `state()` is its ground truth, read over HTTP."""

    url: str
    exchange: SimExchange

    def state(self) -> dict:
        return httpx.get(f"{self.url}/_sim/state", timeout=5).json()

    def account(self) -> dict:
        return self.state()["accounts"][API_KEY]

    def set_faults(self, reset: bool = False, **knobs: object) -> None:
        params = {"reset": "true"} if reset else {}
        httpx.post(f"{self.url}/_sim/faults", params=params, json=knobs, timeout=5).raise_for_status()

    def fault_report(self) -> dict:
        return self.state()["faults"]

    def freeze(self, on: bool = True) -> None:
        httpx.post(f"{self.url}/_sim/freeze", params={"on": str(on).lower()}, timeout=5).raise_for_status()


def oscillating_rows(
    start_price: Decimal, steps: int, period: int, amplitude: Decimal
) -> tuple[MarketRow, ...]:
    """A market that swings +-amplitude around start_price every `period` steps: entries fill
    on the dips and profit-taking exits on the rises, whatever the seed."""
    rows = []
    for i in range(steps):
        wave = Decimal(str(round(math.sin(2 * math.pi * i / period), 6)))
        mid = (start_price * (1 + amplitude * wave)).quantize(Decimal(1))
        half = (mid * Decimal("0.0002")).quantize(Decimal(1)) or Decimal(1)
        rows.append(
            MarketRow(
                ts_ms=START_MS + i * 60_000,
                bid=mid - half,
                ask=mid + half,
                last=mid,
                bid_qty=Decimal("5"),
                ask_qty=Decimal("5"),
                volume=Decimal("50"),
            )
        )
    return tuple(rows)


@pytest.fixture(scope="module")
def dataset() -> Dataset:
    pairs = {symbol: DEFAULT_PAIRS[symbol].rules for symbol in ("BTCTRY", "ETHTRY")}
    return Dataset(
        name="oscillating",
        step_ms=60_000,
        pairs=pairs,
        rows={
            "BTCTRY": oscillating_rows(Decimal("1400000"), 4000, 30, Decimal("0.01")),
            "ETHTRY": oscillating_rows(Decimal("80000"), 4000, 24, Decimal("0.012")),
        },
    )


@pytest.fixture
def simulator(dataset) -> Iterator[SimHandle]:
    config = SimConfig(
        accounts=(SimAccount(api_key=API_KEY, api_secret=API_SECRET, balances=SEED_BALANCES),),
        speed=Decimal(1200),  # 20 one-minute rows per wall second: prices move within a test
        seed=3,
    )
    with serving(config, dataset) as served:
        yield SimHandle(served.url, served.exchange)


PACED_STEP_MS = 180_000  # three one-minute rows per bot cycle: a swing of the test market in ~10


@pytest.fixture
def paced_simulator(dataset) -> Iterator[SimHandle]:
    """The simulator with the market moving per bot cycle (a step per balance read), not per wall
    second: the bot meets the same prices in the same cycles however loaded the machine is."""
    config = SimConfig(
        accounts=(SimAccount(api_key=API_KEY, api_secret=API_SECRET, balances=SEED_BALANCES),),
        advance_ms_per_balance_read=PACED_STEP_MS,
        seed=3,
    )
    with serving(config, dataset) as served:
        yield SimHandle(served.url, served.exchange)


@pytest.fixture
def clocked_simulator(dataset) -> Iterator[tuple[SimHandle, FakeClock]]:
    """The paced simulator on a clock the test moves: time passes on the exchange (order
    visibility delays, data ages, rate-limit windows) only when the test says. The clock starts
    at the wall time so the bot's first stamps are fresh; run the bot with
    BOT_EXCHANGE__CLOCK_SYNC_INTERVAL_S small so it re-measures the offset every cycle."""
    clock = FakeClock(time.time_ns() // 1_000_000)
    config = SimConfig(
        accounts=(SimAccount(api_key=API_KEY, api_secret=API_SECRET, balances=SEED_BALANCES),),
        advance_ms_per_balance_read=PACED_STEP_MS,
        seed=3,
    )
    with serving(config, dataset, clock=clock) as served:
        yield SimHandle(served.url, served.exchange), clock


def bot_env(sim_url: str, db: Path, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("BOT_")}
    env.update(
        BOT_MODE="paper",
        BOT_EXCHANGE__ADAPTER="btcturk",
        BOT_MARKET_DATA__SOURCE="exchange",
        BOT_EXCHANGE__BASE_URL=sim_url,
        BOT_EXCHANGE__GRAPH_BASE_URL=sim_url,
        BOT_EXCHANGE__API_KEY=API_KEY,
        BOT_EXCHANGE__API_SECRET=API_SECRET,
        BOT_STORE__PATH=str(db),
        BOT_OBSERVABILITY__METRICS_PORT="0",
        # These tests run cycles back to back against a simulator whose market moves a step per
        # balance read: every cycle reads the account. Paced reads have tests of their own
        # (tests/integration/test_paced_account_reads.py).
        BOT_EXCHANGE__ACCOUNT_READS="every_cycle",
        # Small, fast-moving limits so 50 cycles see entries, fills and exits.
        BOT_STRATEGY__ENTRY_NOTIONAL_TRY="1500",
        BOT_STRATEGY__ENTRY_OFFSET_BPS="0",
        BOT_STRATEGY__TAKE_PROFIT_MARGIN_BPS="5",
        BOT_STRATEGY__MAX_ENTRY_SPREAD_BPS="100",
        BOT_RISK__SIDE_COOLDOWN_MS="0",
        BOT_RISK__MAX_OPEN_ORDERS_PER_SYMBOL="2",
        BOT_EXECUTION__ORDER_TTL_MS="1500",
    )
    env.update(extra)
    return env


def bot(args: list[str], env: Mapping[str, str], timeout: float = 120) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "bot", *args],
        env=dict(env),
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )


def assert_slo_verdicts(
    verdicts: Mapping[str, str], must_fail: set[str], may_fail: frozenset[str] = frozenset()
) -> None:
    """`bot doctor`'s verdict on every SLO of a golden run: `must_fail` fail, `may_fail` may (a
    fault whose reach depends on timing), every other SLO passes or had nothing to measure."""
    from bot.slo import SLO_NAMES

    assert set(verdicts) == set(SLO_NAMES)
    for name in SLO_NAMES:
        if name in must_fail:
            assert verdicts[name] == "fail", (name, verdicts)
        elif name not in may_fail:
            assert verdicts[name] in ("pass", "no_data"), (name, verdicts)
