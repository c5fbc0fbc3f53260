"""The kill -9 matrix: SIGKILL the daemon at each step of the order path, restart it on the same
ledger, let it settle, and find nothing lost, nothing placed twice and every digit equal.

Nothing here is timing-based. The daemon kills itself at a named point (`TEST_BOT_CRASH_AT`,
bot.execution.crash_points), and the market moves a step per cycle (`paced_simulator`), so each
case stops at the same order of the same cycle on any machine. "After send, before the
response" is the exchange holding the submit's answer: the test kills the daemon once the order
is on the exchange.

The crash needs the process; the restart after it runs in process (`bot.testing.cycles.run_on`:
the same instance lock, ledger checks, startup recovery and loop as `bot run`).
"""

from __future__ import annotations

import sqlite3
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

import pytest

from bot.app.ledger_commands import ledger_verify
from bot.execution.crash_points import ENV_VAR
from bot.testing.cycles import cycle_settings, run_on
from tests.integration.conftest import REPO, SimHandle, bot, bot_env

pytestmark = [pytest.mark.integration, pytest.mark.slow]

# An order still open a cycle after it was placed is canceled, and one that a lookup does not
# find is unknown at once: with the paced market every point below is met by the fourth cycle.
SETTINGS = {
    "BOT_EXECUTION__ORDER_TTL_MS": "1",
    "BOT_EXECUTION__UNCERTAIN_PROBE_LIMIT": "1",
    "BOT_EXECUTION__UNCERTAIN_WINDOW_MS": "1",
    "BOT_EXCHANGE__TIMEOUT_S": "15",  # outlasts the held submit answer of the in-flight case
}
IN_FLIGHT = "after_send_before_response"
HELD_ANSWER_S = 8  # the simulator holds the submit's answer this long; the kill comes first


def loop(cycles: int) -> list[str]:
    return ["run", "--loop", "--max-cycles", str(cycles), "--cycle-seconds", "0.05"]


@dataclass(frozen=True)
class Ledger:
    orders: dict[str, dict[str, object]]  # by client order id
    fills: dict[str, tuple[object, ...]]  # by trade id
    balances: dict[str, Decimal]
    submit_ids: set[str]  # client order ids of approved submit decisions

    @classmethod
    def read(cls, db: Path) -> Ledger:
        with sqlite3.connect(f"file:{db}?mode=ro", uri=True) as conn:
            orders = {
                cid: {"exchange_id": eid, "status": status, **_decimals(price=p, quantity=q, filled=f)}
                for cid, eid, status, p, q, f in conn.execute(
                    "SELECT client_order_id, exchange_order_id, status, price, quantity, filled_quantity"
                    " FROM orders"
                )
            }
            fills = {
                tid: (cid, eid, side, *(Decimal(v) for v in money))
                for tid, cid, eid, side, *money in conn.execute(
                    "SELECT trade_id, client_order_id, exchange_order_id, side, price, quantity, fee, tax"
                    " FROM fills"
                )
            }
            balances = {a: Decimal(t) for a, t in conn.execute("SELECT asset, total FROM balances")}
            submit_ids = {
                cid
                for (cid,) in conn.execute(
                    "SELECT client_order_id FROM decisions WHERE kind = 'submit' AND verdict = 'approved'"
                )
            }
        return cls(orders, fills, {a: t for a, t in balances.items() if t != 0}, submit_ids)


@dataclass(frozen=True)
class Exchange:
    orders: dict[str, dict[str, object]]  # by client order id
    client_ids: Counter[str]
    trades: dict[str, tuple[object, ...]]  # by trade id
    balances: dict[str, Decimal]

    @classmethod
    def read(cls, simulator: SimHandle) -> Exchange:
        account = simulator.account()
        orders = {
            o["client_order_id"]: {
                "exchange_id": str(o["id"]),
                "status": o["status"],
                **_decimals(price=o["price"], quantity=o["quantity"], filled=o["filled_quantity"]),
            }
            for o in account["orders"]
        }
        trades = {
            str(t["id"]): (
                t["client_order_id"],
                str(t["order_id"]),
                t["side"],
                *(Decimal(t[k]) for k in ("price", "quantity", "fee", "tax")),
            )
            for t in account["trades"]
        }
        balances = {a: Decimal(b["total"]) for a, b in account["balances"].items() if Decimal(b["total"])}
        return cls(orders, Counter(o["client_order_id"] for o in account["orders"]), trades, balances)


def _decimals(**values: object) -> dict[str, Decimal]:
    return {key: Decimal(str(value)) for key, value in values.items()}


# What each kill leaves behind, checked right after the crash: proof that the run stopped there.
def _decided_but_not_written_ahead(ledger: Ledger, exchange: Exchange) -> None:
    assert ledger.submit_ids - set(ledger.orders), "a submit decision without its write-ahead row"
    assert not exchange.orders


def _written_ahead_not_sent(ledger: Ledger, exchange: Exchange) -> None:
    pending = {cid for cid, o in ledger.orders.items() if o["status"] == "pending_submit"}
    assert pending and not pending & set(exchange.orders)


def _on_exchange_but_only_written_ahead(ledger: Ledger, exchange: Exchange) -> None:
    pending = {cid for cid, o in ledger.orders.items() if o["status"] == "pending_submit"}
    assert pending and pending <= set(exchange.orders)


def _cancel_recorded_order_still_open(ledger: Ledger, exchange: Exchange) -> None:
    requested = {cid for cid, o in ledger.orders.items() if o["status"] == "cancel_requested"}
    assert requested and all(exchange.orders[cid]["status"] == "open" for cid in requested)


def _canceled_on_exchange_not_settled(ledger: Ledger, exchange: Exchange) -> None:
    requested = {cid for cid, o in ledger.orders.items() if o["status"] == "cancel_requested"}
    assert requested and all(exchange.orders[cid]["status"] == "canceled" for cid in requested)


def _trades_not_recorded(ledger: Ledger, exchange: Exchange) -> None:
    assert exchange.trades and set(exchange.trades) - set(ledger.fills)


@dataclass(frozen=True)
class Kill:
    point: str
    nth: int
    at_the_crash: Callable[[Ledger, Exchange], None]

    def __str__(self) -> str:
        return f"{self.point}:{self.nth}"


MATRIX = [
    Kill("before_write_ahead", 1, _decided_but_not_written_ahead),  # cycle 1
    Kill("after_write_ahead", 1, _written_ahead_not_sent),  # cycle 1
    Kill(IN_FLIGHT, 1, _on_exchange_but_only_written_ahead),  # cycle 1, killed by the test
    Kill("after_submit_response", 1, _on_exchange_but_only_written_ahead),  # cycle 1
    Kill("cancel_before_send", 1, _cancel_recorded_order_still_open),  # cycle 2: the ttl expired
    Kill("cancel_after_send", 1, _canceled_on_exchange_not_settled),  # cycle 2
    Kill("reconcile_after_fills", 3, _canceled_on_exchange_not_settled),  # cycle 3, before settling
    Kill("reconcile_before_commit", 1, _trades_not_recorded),  # cycle 4: the first fills
]


@pytest.mark.parametrize("kill", MATRIX, ids=str)
def test_kill_minus_nine_loses_nothing_and_duplicates_nothing(paced_simulator, tmp_path, kill):
    simulator = paced_simulator
    db = tmp_path / "bot.sqlite"
    env = bot_env(simulator.url, db, **SETTINGS)

    returncode = _crash(simulator, env, kill)
    assert returncode == -9, f"the daemon did not die by SIGKILL at {kill} (exit {returncode})"
    kill.at_the_crash(Ledger.read(db), Exchange.read(simulator))

    simulator.set_faults(reset=True)
    # The restart: recovery at start, then cycles that re-send and settle (`bot run`, loop(3)).
    assert len(run_on(db, cycle_settings(env), 3)) == 3
    simulator.freeze()  # no more fills; one cycle that only reconciles (`bot run --once`)
    run_on(db, cycle_settings({**env, "BOT_SAFETY__DRY_RUN": "true"}), 1)

    _assert_ledger_matches_exchange(Ledger.read(db), Exchange.read(simulator))
    ok, report = ledger_verify(db)  # what `bot ledger verify` checks and prints
    assert ok, report


def _crash(simulator: SimHandle, env: dict[str, str], kill: Kill) -> int:
    if kill.point != IN_FLIGHT:
        return bot(loop(8), {**env, ENV_VAR: str(kill)}).returncode
    # The exchange places the order and holds its answer; the daemon waits for it and dies.
    simulator.set_faults(submit_drop_response_ratio=1.0, submit_response_delay_s=HELD_ANSWER_S)
    proc = subprocess.Popen(
        [sys.executable, "-m", "bot", *loop(8)],
        env=env,
        cwd=REPO,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 30
        for _ in range(1500):  # bounded: 1500 x 20 ms, and never past the deadline
            if simulator.account()["orders"] or time.monotonic() > deadline:
                break
            assert proc.poll() is None, f"the daemon exited ({proc.returncode}) before submitting"
            time.sleep(0.02)
        proc.kill()
        return proc.wait(timeout=10)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait(timeout=10)


def _assert_ledger_matches_exchange(ledger: Ledger, exchange: Exchange) -> None:
    twice = [cid for cid, n in exchange.client_ids.items() if n > 1]
    assert not twice, f"client order ids placed twice: {twice}"
    lost = set(exchange.orders) - set(ledger.orders)
    assert not lost, f"orders on the exchange that the ledger lost: {lost}"
    for cid, order in ledger.orders.items():
        if cid in exchange.orders:
            assert order == exchange.orders[cid], cid
        else:  # it never reached the exchange: never taken for open or filled, never left pending
            assert order["exchange_id"] is None, cid
            assert order["status"] in ("uncertain", "unknown", "rejected"), (cid, order["status"])
    assert ledger.fills == exchange.trades
    assert ledger.balances == exchange.balances
