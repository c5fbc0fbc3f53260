from decimal import Decimal as D

from bot.accounting.trade_outcomes import trade_outcomes
from bot.domain.orders import Fill, Side


def fill(
    n: int, side: Side, price: str, qty: str = "1", fee: str = "0", ts: int = 0, asset: str = "TRY"
) -> Fill:
    return Fill(
        trade_id=str(n), exchange_order_id=str(n), client_order_id=None, symbol="BTCTRY", side=side,
        price=D(price), quantity=D(qty), fee=D(fee), tax=D(0), fee_asset=asset, ts_ms=ts,
    )  # fmt: skip


def test_losing_exits_in_a_row_make_the_streak_and_a_winner_ends_it() -> None:
    fills = [
        fill(1, Side.BUY, "100", "3"),
        fill(2, Side.SELL, "90"),  # loss
        fill(3, Side.SELL, "95"),  # loss
    ]
    assert trade_outcomes(fills, quote_asset="TRY", since_ms=0, fee_marks={}).loss_streak == 2
    fills.append(fill(4, Side.SELL, "101"))  # a winner ends it
    assert trade_outcomes(fills, quote_asset="TRY", since_ms=0, fee_marks={}).loss_streak == 0


def test_fees_count_from_the_window_start_and_unconvertible_ones_are_reported() -> None:
    fills = [
        fill(1, Side.BUY, "100", fee="1", ts=10),
        fill(2, Side.BUY, "100", fee="2", ts=20),
        fill(3, Side.BUY, "100", fee="0.001", ts=30, asset="BTC"),
    ]
    outcome = trade_outcomes(fills, quote_asset="TRY", since_ms=20, fee_marks={})
    assert outcome.fees_quote_since == D("2") and outcome.unconverted_fee_fills == 1
    converted = trade_outcomes(fills, quote_asset="TRY", since_ms=20, fee_marks={"BTCTRY": D("100")})
    assert converted.fees_quote_since == D("2.1") and converted.unconverted_fee_fills == 0


def test_the_streak_counts_only_exits_inside_the_window() -> None:
    fills = [
        fill(1, Side.BUY, "100", "3", ts=1),
        fill(2, Side.SELL, "90", ts=2),
        fill(3, Side.SELL, "90", ts=5),
    ]
    assert trade_outcomes(fills, quote_asset="TRY", since_ms=5, fee_marks={}).loss_streak == 1
    assert trade_outcomes(fills, quote_asset="TRY", since_ms=6, fee_marks={}).loss_streak == 0
