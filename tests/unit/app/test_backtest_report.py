"""The backtest report's figures on inputs small enough to check by hand."""

from __future__ import annotations

from decimal import Decimal as D

import pytest

from bot.app.backtest_report import curve_stats, trade_stats


def fill(
    ts: int, side: str, price: str, qty: str, fee: str = "0", symbol: str = "BTCTRY"
) -> dict[str, object]:
    return {
        "ts_ms": ts,
        "symbol": symbol,
        "side": side,
        "price": price,
        "quantity": qty,
        "fee": fee,
        "tax": "0",
    }


def test_round_trips_wins_holds_and_fees_by_average_cost():
    trades = trade_stats([
        fill(0, "buy", "100", "1", "1"),
        fill(10, "buy", "110", "1", "1"),      # average 106 with fees
        fill(20, "sell", "120", "2", "2"),     # closes: (120 - 106) x 2 - 2 = 26, a win, held 20 ms
        fill(30, "buy", "100", "1"),
        fill(40, "sell", "90", "1"),           # closes at a loss of 10, held 10 ms
        fill(50, "buy", "100", "1", symbol="ETHTRY"),  # still open
    ])  # fmt: skip
    assert (trades.fills, trades.buys, trades.sells) == (6, 4, 2)
    assert (trades.round_trips, trades.wins) == (2, 1)
    assert trades.hold_ms == [20, 10]
    assert trades.fees == D("4")
    assert trades.notional == D("100") + D("110") + D("240") + D("100") + D("90") + D("100")
    assert trades.realised_by_symbol == {"BTCTRY": D("16"), "ETHTRY": D("0")}
    assert trades.fills_by_symbol == {"BTCTRY": 5, "ETHTRY": 1}


def test_a_remainder_below_the_minimum_order_is_flat_as_the_strategy_treats_it():
    rows = [fill(0, "buy", "100", "1"), fill(10, "sell", "110", "0.99"), fill(20, "buy", "100", "1")]
    assert trade_stats(rows).round_trips == 0, "without the rule, 0.01 left keeps the trip open"
    trades = trade_stats(rows, {"BTCTRY": D("10")})  # 0.01 x 110 = 1.1 < 10: flat
    assert (trades.round_trips, trades.wins, trades.hold_ms) == (1, 1, [10])


def test_zero_equity_has_no_return_rather_than_a_crash():
    assert curve_stats([(1, 0, D("0")), (2, 60_000, D("0"))]) == {"periods": 2}


def test_a_sell_of_an_opening_holding_is_not_a_round_trip_of_the_run():
    trades = trade_stats([fill(0, "sell", "100", "1")])
    assert trades.round_trips == 0 and trades.sells == 1


def test_drawdown_depth_and_duration_return_and_ratios():
    curve = [(i, i * 60_000, D(v)) for i, v in enumerate(["100", "110", "99", "104", "121", "120"])]
    stats = curve_stats(curve)
    assert stats["period_ms"] == 60_000 and stats["periods"] == 5
    assert stats["total_return"] == pytest.approx(0.2)
    assert stats["max_drawdown"] == pytest.approx(0.1)  # 110 -> 99
    assert stats["max_drawdown_cycles"] == 2  # cycles 2 and 3, below the 110 peak of cycle 1
    returns = [0.1, 99 / 110 - 1, 104 / 99 - 1, 121 / 104 - 1, 120 / 121 - 1]
    mean = sum(returns) / 5
    deviation = (sum((r - mean) ** 2 for r in returns) / 5) ** 0.5
    assert stats["sharpe_per_period"] == pytest.approx(mean / deviation)
    downside = (sum(min(r, 0) ** 2 for r in returns) / 5) ** 0.5
    assert stats["sortino_per_period"] == pytest.approx(mean / downside)


def test_a_curve_too_short_for_returns():
    assert curve_stats([(1, 0, D("1"))]) == {"periods": 1}


def test_compare_sets_two_reports_side_by_side_and_marks_what_differs(tmp_path):
    import json

    from click.testing import CliRunner

    from bot.cli.main import cli

    base = {
        "schema": "bot-backtest/1",
        "cycles": {"total": 10, "degraded": 0},
        "trades": {"fills": 4, "round_trips": 1, "win_rate": 1.0, "fees_and_taxes": "1.5"},
        "equity": {"last": "101", "total_return": 0.01},
        "mode_transitions": [],
        "fingerprint": "f" * 64,
    }
    (tmp_path / "a").mkdir()
    (tmp_path / "a" / "report.json").write_text(json.dumps(base))
    other = {**base, "trades": {**base["trades"], "fills": 5}, "fingerprint": "e" * 64}
    (tmp_path / "b.json").write_text(json.dumps(other))
    same = CliRunner().invoke(
        cli, ["backtest", "compare", str(tmp_path / "a"), str(tmp_path / "a" / "report.json")]
    )
    assert same.exit_code == 0 and "differs" not in same.stdout
    differ = CliRunner().invoke(
        cli, ["backtest", "compare", str(tmp_path / "a"), str(tmp_path / "b.json"), "--json"]
    )
    rows = json.loads(differ.stdout)
    assert differ.exit_code == 1
    assert rows["fills"] == {"a": 4, "b": 5, "same": False} and rows["cycles"]["same"] is True
    assert rows["mode transitions"] == {"a": 0, "b": 0, "same": True}
    (tmp_path / "junk.json").write_text("[]")
    refused = CliRunner().invoke(
        cli, ["backtest", "compare", str(tmp_path / "a"), str(tmp_path / "junk.json")]
    )
    assert refused.exit_code == 2 and "not a bot-backtest/1 report" in refused.output
