from decimal import Decimal as D

from bot.accounting.books import BooksFold
from bot.accounting.trade_outcomes import TradeOutcomes
from bot.domain.orders import Fill, Side
from bot.replay.pair_specs import DEFAULT_PAIRS

PAIRS = {"BTCTRY": DEFAULT_PAIRS["BTCTRY"].rules}


def fill(
    n: int, side: Side, price: str, qty: str = "1", fee: str = "0", ts: int = 0, asset: str = "TRY"
) -> Fill:
    return Fill(
        trade_id=str(n), exchange_order_id=str(n), client_order_id=None, symbol="BTCTRY", side=side,
        price=D(price), quantity=D(qty), fee=D(fee), tax=D(0), fee_asset=asset, ts_ms=ts,
    )  # fmt: skip


def outcomes(fills: list[Fill], since_ms: int, opening: dict[str, D] | None = None) -> TradeOutcomes:
    fold = BooksFold(
        quote_asset="TRY",
        symbol_by_asset={"BTC": "BTCTRY"},
        opening_balances=opening or {"TRY": D("1000")},
        opening_prices={"BTCTRY": D("100")},
    )
    for f in fills:
        fold.apply(f, PAIRS)
    return fold.outcomes(since_ms)


def test_losing_exits_in_a_row_make_the_streak_and_a_winner_ends_it() -> None:
    fills = [
        fill(1, Side.BUY, "100", "3"),
        fill(2, Side.SELL, "90"),  # loss
        fill(3, Side.SELL, "95"),  # loss
    ]
    assert outcomes(fills, since_ms=0).loss_streak == 2
    fills.append(fill(4, Side.SELL, "101"))  # a winner ends it
    assert outcomes(fills, since_ms=0).loss_streak == 0


def test_fees_count_from_the_window_start_a_base_fee_at_the_trade_price_and_others_reported() -> None:
    fills = [
        fill(1, Side.BUY, "100", fee="1", ts=10),
        fill(2, Side.BUY, "100", fee="2", ts=20),
        fill(3, Side.BUY, "120", fee="0.001", ts=30, asset="BTC"),  # 0.12 TRY at its own price
        fill(4, Side.BUY, "100", fee="0.5", ts=40, asset="BNB"),  # no price in the ledger
    ]
    outcome = outcomes(fills, since_ms=20)
    assert outcome.fees_quote_since == D("2.12")
    assert outcome.unconverted_fee_fills == 1


def test_the_streak_counts_only_exits_inside_the_window() -> None:
    fills = [
        fill(1, Side.BUY, "100", "3", ts=1),
        fill(2, Side.SELL, "90", ts=2),
        fill(3, Side.SELL, "90", ts=5),
    ]
    assert outcomes(fills, since_ms=5).loss_streak == 1
    assert outcomes(fills, since_ms=6).loss_streak == 0


def test_selling_an_opening_holding_below_its_opening_price_is_a_loss() -> None:
    # Opening BTC is carried at the first marks seen (100): selling it at 95 lost money.
    fills = [fill(1, Side.SELL, "95", ts=3)]
    assert outcomes(fills, since_ms=0, opening={"TRY": D("0"), "BTC": D("1")}).loss_streak == 1
