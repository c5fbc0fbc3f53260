"""Stage 7 over several days of real BTC 1-minute data (January 2022), on the replay clock with a
paper account, checked against an independent recomputation from the ledger's fills.

The sell-off of 20-22 January must drive the risk budget into REDUCE or OBSERVE and back, with
every transition recorded as an event and logged with its cause.

The data lives beside the repository, not in it; without it these tests skip, saying so. Both
behaviours are also tested on a small dataset written by `tests/unit/cycle/test_stage7_sell_off.py`.
"""

from __future__ import annotations

import json
import sqlite3
from decimal import Decimal, localcontext

import pytest

from tests.integration.conftest import REPO, bot

pytestmark = pytest.mark.integration
DATA = REPO.parent / "shared" / "data" / "btc-perp-20211231-20220201_1m.csv"
SEED_TRY = Decimal("100000")


@pytest.fixture(scope="module")
def run(tmp_path_factory):
    if not DATA.exists():
        pytest.skip(f"{DATA} is not beside the repository")
    tmp = tmp_path_factory.mktemp("stage7")
    dataset = tmp / "btc-jan-2022"
    imported = bot(
        ["replay-import", str(DATA), str(dataset), "--from", "2022-01-18", "--to", "2022-01-26"], {}
    )
    assert imported.returncode == 0, imported.stderr
    env = {
        "PATH": "/usr/bin:/bin",
        "BOT_STORE__PATH": str(tmp / "ledger.sqlite"),
        "BOT_STORE__SYNCHRONOUS": "NORMAL",
        "BOT_MARKET_DATA__DATASET": str(dataset),
        "BOT_UNIVERSE__SYMBOLS": '["BTCTRY"]',
        "BOT_SELECTION__SIZE": "1",
        "BOT_LOOP__CYCLE_SECONDS": "300",  # five-minute cycles on the replay clock
        "BOT_OBSERVABILITY__METRICS_ENABLED": "false",
    }
    result = bot(["stage7-run", "--loop"], env, timeout=600)
    assert result.returncode == 0, result.stderr[-3000:]
    verified = bot(["ledger", "verify"], env)
    assert verified.returncode == 0, verified.stdout + verified.stderr
    # Every cycle's equity, peak, drawdown and daily PnL rebuilt from the ledger alone.
    assert "accounting OK: 2304 portfolio cycles revalued" in verified.stdout
    return tmp / "ledger.sqlite", result.stderr


def log_lines(stderr: str, event: str) -> list[dict]:
    return [json.loads(line) for line in stderr.splitlines() if f'"event": "{event}"' in line]


def test_equity_drawdown_and_pnl_agree_with_a_recomputation_from_the_fills(run):
    db, stderr = run
    portfolio = {line["cycle_id"]: line for line in log_lines(stderr, "portfolio")}
    assert len(portfolio) > 1500
    with sqlite3.connect(db) as conn:
        events = conn.execute("SELECT type, payload FROM events ORDER BY seq").fetchall()
    cash, btc, cost, realized = SEED_TRY, Decimal(0), Decimal(0), Decimal(0)
    cycle = 0
    peak = Decimal(0)
    checked = 0
    with localcontext() as ctx:
        ctx.prec = 60
        for kind, text in events:
            payload = json.loads(text)
            if kind == "CycleStarted":
                cycle = payload["cycle_id"]
            elif kind == "OrderFilled":
                price, qty = Decimal(payload["price"]), Decimal(payload["quantity"])
                fee = Decimal(payload["fee"]) + Decimal(payload["tax"])
                assert payload["fee_asset"] == "TRY"
                if payload["side"] == "buy":
                    cash -= price * qty + fee
                    cost += price * qty + fee
                    btc += qty
                else:
                    average = cost / btc
                    realized += (price - average) * qty - fee
                    cost -= average * qty
                    cash += price * qty - fee
                    btc -= qty
            elif kind == "StateChanged" and payload["key"] == "portfolio.valuation":
                # Recorded with the cycle's decisions: after this cycle's reconciled fills and
                # before its own orders, exactly where the cycle valued the portfolio.
                line = portfolio[cycle]
                equity = cash + btc * Decimal(line["marks"]["BTCTRY"])
                peak = max(peak, equity)
                assert Decimal(line["equity"]) == equity, cycle
                assert abs(Decimal(line["drawdown_ratio"]) - (peak - equity) / peak) < Decimal("1e-20"), cycle
                assert abs(Decimal(line["realized_pnl"]) - realized) < Decimal("1e-12"), cycle
                checked += 1
    assert checked >= len(portfolio) - 5  # every portfolio cycle records its valuation
    last = portfolio[max(portfolio)]
    assert Decimal(last["peak_equity"]) == peak
    assert Decimal(last["equity"]) != SEED_TRY, "it traded"


def test_the_sell_off_drives_the_budget_into_reduce_or_observe_and_back(run):
    db, stderr = run
    with sqlite3.connect(db) as conn:
        rows = conn.execute(
            "SELECT ts_ms, payload FROM events WHERE type = 'RiskModeChanged' ORDER BY seq"
        ).fetchall()
        decisions = dict(conn.execute("SELECT reason_code, COUNT(*) FROM decisions GROUP BY 1").fetchall())
    transitions = [json.loads(payload) for _, payload in rows]
    assert transitions, "no mode transition in a 17% sell-off"
    assert all(t["causes"] for t in transitions), "every transition says why"
    stricter = [t for t in transitions if t["to_mode"] in ("reduce", "observe")]
    assert stricter and stricter[0]["from_mode"] == "normal"
    first_strict_ms = next(ts for ts, p in rows if json.loads(p)["to_mode"] != "normal")
    assert 1642636800000 <= first_strict_ms < 1642896000000, "during 20-22 January"  # 2022-01-20 .. 23
    assert any(t["to_mode"] == "normal" for t in transitions), "and back to NORMAL"
    logged = log_lines(stderr, "risk mode changed")
    assert [(t["from_mode"], t["to_mode"], t["causes"]) for t in logged] == [
        (t["from_mode"], t["to_mode"], t["causes"]) for t in transitions
    ]
    assert decisions.get("reduce_only", 0) + decisions.get("observe_only", 0) > 0, "the modes were enforced"
