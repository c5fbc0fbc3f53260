"""Books from opening balances and fills: cash, average cost, realised PnL, fees."""

from __future__ import annotations

import pytest
from accounting_builders import D, fill, pair, pairs

from bot.accounting import build_books
from bot.domain.orders import Side

BTC = pair("BTC", price_scale=0)
ETH = pair("ETH")
BNB = pair("BNB")


def test_buy_then_partial_sell_books_average_cost_and_realised_pnl_with_fees() -> None:
    books = build_books(
        opening_balances={"TRY": D("1000000")},
        fills=[
            fill("BTCTRY", Side.BUY, "1000000", "0.5", fee="800", tax="200"),
            fill("BTCTRY", Side.SELL, "1100000", "0.2", fee="400", tax="40"),
        ],
        pairs=pairs(BTC),
        quote_asset="TRY",
    )

    # Bought 0.5 for 500_000 + 1_000 fees: cost 501_000, so 1_002_000 per BTC.
    # Sold 0.2 at 1_100_000: (1_100_000 - 1_002_000) x 0.2 = 19_600, less 440 fees = 19_160.
    position = books.positions["BTCTRY"]
    assert position.quantity == D("0.3")
    assert position.average_cost == D("1002000")
    assert position.realized_pnl == D("19160")
    assert position.fees_paid == D("1440")
    # 1_000_000 - 500_000 - 1_000 + 220_000 - 440
    assert books.cash == {"TRY": D("718560"), "BTC": D("0.3")}
    assert books.unconverted_fees == {}
    assert books.missing_opening_prices == ()


def test_selling_everything_flattens_the_position() -> None:
    books = build_books(
        opening_balances={"TRY": D("1000")},
        fills=[
            fill("ETHTRY", Side.BUY, "100", "2", fee="1"),
            fill("ETHTRY", Side.SELL, "90", "2", fee="1"),
        ],
        pairs=pairs(ETH),
        quote_asset="TRY",
    )

    position = books.positions["ETHTRY"]
    assert (position.quantity, position.average_cost) == (D(0), D(0))
    assert position.realized_pnl == D("-22")  # 180 - 201 - 1
    assert books.cash["TRY"] == D("978")


def test_the_rounding_of_an_average_cost_is_booked_so_no_digit_is_lost() -> None:
    books = build_books(
        opening_balances={"TRY": D("10")},
        fills=[fill("ETHTRY", Side.BUY, "1", "3", fee="0.01")],
        pairs=pairs(ETH),
        quote_asset="TRY",
    )

    position = books.positions["ETHTRY"]
    assert position.average_cost == D("1.003333333333333333333333333")  # 28 significant digits
    # The basis carries 3.009999...9; the last 1E-27 of the 3.01 paid is realised now.
    assert position.realized_pnl == D("-1E-27")
    assert position.quantity * position.average_cost - position.realized_pnl == D("3.01")


def test_a_fee_in_the_base_asset_is_converted_at_the_trade_price() -> None:
    books = build_books(
        opening_balances={"TRY": D("10000")},
        fills=[
            fill("ETHTRY", Side.BUY, "100", "10", fee="0.01", fee_asset="ETH"),
            fill("ETHTRY", Side.SELL, "110", "5", fee="0.005", tax="0.001", fee_asset="ETH"),
        ],
        pairs=pairs(ETH),
        quote_asset="TRY",
    )

    eth = books.positions["ETHTRY"]
    assert eth.average_cost == D("100.1")  # (1000 + 0.01 x 100) / 10
    assert eth.realized_pnl == D("48.84")  # (110 - 100.1) x 5 - 0.006 x 110
    assert eth.fees_paid == D("1.66")  # 1 + 0.66, each at its own trade's price
    assert books.cash == {"TRY": D("9550"), "ETH": D("4.984")}
    assert books.unconverted_fees == {}


def test_a_fee_in_a_third_asset_is_reported_and_left_out_of_pnl_but_not_out_of_cash() -> None:
    # BNB has a pair, but the ledger has no BNB price at the time of either trade: valuing the fee
    # at a later mark would rewrite realised PnL whenever BNB moves.
    books = build_books(
        opening_balances={"TRY": D("10000"), "BNB": D("1")},
        opening_prices={"BNBTRY": D("20000")},
        fills=[
            fill("ETHTRY", Side.BUY, "100", "10", fee="0.01", fee_asset="BNB"),
            fill("ETHTRY", Side.SELL, "110", "5", fee="0.02", tax="0.001", fee_asset="BNB"),
        ],
        pairs=pairs(ETH, BNB),
        quote_asset="TRY",
    )

    eth = books.positions["ETHTRY"]
    assert eth.average_cost == D("100")
    assert eth.realized_pnl == D("50")
    assert eth.fees_paid == D("0")
    assert books.unconverted_fees == {"BNB": D("0.031")}
    assert books.cash["BNB"] == D("0.969")  # the fee left cash, so equity at BNB's mark shows it
    assert books.positions["BNBTRY"].quantity == D("1")  # the BNB position itself is untouched


def test_opening_base_holdings_open_positions_at_their_price_or_are_reported() -> None:
    books = build_books(
        opening_balances={"TRY": D("500"), "BTC": D("0.1"), "ETH": D("2"), "BNB": D("0"), "XYZ": D("7")},
        fills=[],
        pairs=pairs(BTC, ETH, BNB),
        quote_asset="TRY",
        opening_prices={"BTCTRY": D("2000000")},
    )

    assert books.positions["BTCTRY"].average_cost == D("2000000")
    assert books.positions["BTCTRY"].quantity == D("0.1")
    assert books.positions["ETHTRY"].average_cost == D("0")
    assert books.missing_opening_prices == ("ETHTRY",)
    assert "BNBTRY" not in books.positions  # nothing held, nothing to price
    assert books.cash["XYZ"] == D("7")  # not a pair's base: cash only
    assert set(books.positions) == {"BTCTRY", "ETHTRY"}


def test_opening_holdings_average_with_later_buys() -> None:
    books = build_books(
        opening_balances={"TRY": D("1000"), "ETH": D("1")},
        fills=[fill("ETHTRY", Side.BUY, "200", "1", fee="2")],
        pairs=pairs(ETH),
        quote_asset="TRY",
        opening_prices={"ETHTRY": D("100")},
    )

    assert books.positions["ETHTRY"].average_cost == D("151")  # (100 + 200 + 2) / 2


def test_a_fill_for_an_unknown_symbol_names_it() -> None:
    with pytest.raises(ValueError, match="DOGETRY"):
        build_books(
            opening_balances={},
            fills=[fill("DOGETRY", Side.BUY, "1", "1")],
            pairs=pairs(BTC),
            quote_asset="TRY",
        )


def test_a_fill_quoted_in_another_asset_is_refused() -> None:
    with pytest.raises(ValueError, match=r"ETHUSDT.*USDT"):
        build_books(
            opening_balances={},
            fills=[fill("ETHUSDT", Side.BUY, "1", "1", fee_asset="USDT")],
            pairs=pairs(pair("ETH", "USDT")),
            quote_asset="TRY",
        )


@pytest.mark.parametrize(
    ("price", "quantity", "fee", "field"),
    [("0", "1", "0", "price"), ("1", "0", "0", "quantity"), ("1", "1", "-1", "fee")],
)
def test_impossible_fill_amounts_are_refused(price: str, quantity: str, fee: str, field: str) -> None:
    with pytest.raises(ValueError, match=field):
        build_books(
            opening_balances={},
            fills=[fill("ETHTRY", Side.BUY, price, quantity, fee=fee)],
            pairs=pairs(ETH),
            quote_asset="TRY",
        )


def test_a_negative_opening_balance_is_refused() -> None:
    with pytest.raises(ValueError, match="BTC"):
        build_books(opening_balances={"BTC": D("-1")}, fills=[], pairs=pairs(BTC), quote_asset="TRY")


def test_books_are_read_only() -> None:
    books = build_books(opening_balances={"TRY": D("1")}, fills=[], pairs={}, quote_asset="TRY")

    with pytest.raises(TypeError):
        books.cash["TRY"] = D("2")  # type: ignore[index]
