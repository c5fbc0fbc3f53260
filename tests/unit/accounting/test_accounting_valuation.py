"""Valuing the books at marks: equity, unrealised PnL and what could not be valued."""

from __future__ import annotations

from accounting_builders import D, fill, pair, pairs

from bot.accounting import Books, build_books, value
from bot.domain.account import Position
from bot.domain.orders import Side

ETH = pair("ETH")
BTC = pair("BTC", price_scale=0)


def test_equity_is_quote_cash_plus_holdings_at_their_marks() -> None:
    books = build_books(
        opening_balances={"TRY": D("1000")},
        fills=[
            fill("ETHTRY", Side.BUY, "100", "4", fee="2"),
            fill("ETHTRY", Side.SELL, "120", "1", fee="1.2"),
        ],
        pairs=pairs(ETH),
        quote_asset="TRY",
    )

    valuation = value(books, {"ETHTRY": D("110")})

    # Cash: 1000 - 400 - 2 + 120 - 1.2 = 716.8; 3 ETH at 110 = 330.
    assert valuation.cash_quote == D("716.8")
    assert valuation.positions_value == D("330")
    assert valuation.equity == D("1046.8")
    # Average cost 100.5; realised (120 - 100.5) - 1.2 = 18.3; unrealised 3 x (110 - 100.5) = 28.5.
    assert valuation.realized_pnl == D("18.3")
    assert valuation.unrealized_pnl == {"ETHTRY": D("28.5")}
    assert valuation.unrealized_pnl_total == D("28.5")
    assert valuation.fees_quote == D("3.2")
    assert valuation.missing_marks == ()
    # 1000 + 18.3 + 28.5 = 1046.8: nothing created or lost.


def test_holdings_without_a_mark_are_left_out_of_equity_and_reported() -> None:
    books = build_books(
        opening_balances={"TRY": D("100"), "BTC": D("0.1"), "ETH": D("1"), "XYZ": D("5")},
        fills=[],
        pairs=pairs(ETH, BTC),
        quote_asset="TRY",
        opening_prices={"ETHTRY": D("100"), "BTCTRY": D("2000000")},
    )

    valuation = value(books, {"ETHTRY": D("150"), "BTCTRY": D("0")})

    assert valuation.equity == D("250")
    assert valuation.missing_marks == ("BTCTRY", "XYZTRY")
    assert valuation.unrealized_pnl == {"ETHTRY": D("50")}


def test_the_cash_balance_is_valued_not_the_position_so_a_mismatch_shows() -> None:
    books = Books(
        quote_asset="TRY",
        cash={"TRY": D("0"), "ETH": D("1")},
        positions={"ETHTRY": Position(symbol="ETHTRY", quantity=D("2"), average_cost=D("100"))},
        unconverted_fees={},
        missing_opening_prices=(),
    )

    valuation = value(books, {"ETHTRY": D("100")})

    assert valuation.positions_value == D("100")
    assert valuation.unrealized_pnl == {"ETHTRY": D("0")}


def test_a_flat_position_needs_no_mark() -> None:
    books = build_books(
        opening_balances={"TRY": D("1000")},
        fills=[fill("ETHTRY", Side.BUY, "100", "1"), fill("ETHTRY", Side.SELL, "110", "1")],
        pairs=pairs(ETH),
        quote_asset="TRY",
    )

    valuation = value(books, {})

    assert valuation.missing_marks == ()
    assert valuation.unrealized_pnl == {"ETHTRY": D("0")}
    assert valuation.realized_pnl == D("10")
    assert valuation.equity == D("1010")
