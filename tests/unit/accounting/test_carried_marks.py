"""A held symbol without a mark this cycle: valued at its last known mark for a while, then the
valuation is incomplete, and an incomplete valuation moves no peak and shows no loss."""

from __future__ import annotations

from accounting_builders import D, pair, pairs
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.accounting import Carry, EquityState, Mark, build_books, hold_equity, track_equity, value
from bot.accounting.marks import carried_marks, effective_marks, known_marks

BTC, ETH = pair("BTC", price_scale=0), pair("ETH")
T0 = 1_700_000_000_000
MAX_AGE = 900_000
BOOKS = build_books(
    opening_balances={"TRY": D("60000"), "BTC": D("0.02"), "ETH": D("1")},
    fills=[],
    pairs=pairs(BTC, ETH),
    quote_asset="TRY",
    opening_prices={"BTCTRY": D("2000000"), "ETHTRY": D("100000")},
)
MARKS = {"BTCTRY": D("2000000"), "ETHTRY": D("100000")}  # equity 60000 + 40000 + 100000


def carry(age_ms: int, **last: str) -> Carry:
    marks = {symbol: Mark(price=D(price), as_of_ms=T0 - age_ms) for symbol, price in last.items()}
    return Carry(marks=marks, now_ms=T0, max_age_ms=MAX_AGE)


def test_a_missing_mark_is_carried_over_and_named_with_its_age():
    valuation = value(BOOKS, {"ETHTRY": D("100000")}, carry(60_000, BTCTRY="2000000"))
    assert valuation.equity == D("200000") == value(BOOKS, MARKS).equity
    assert valuation.carried_marks == {"BTCTRY": 60_000}
    assert valuation.complete and valuation.missing_marks == () and valuation.stale_marks == {}
    assert valuation.unrealized_pnl["BTCTRY"] == 0


def test_leaving_the_holding_out_instead_would_show_a_loss_that_never_happened():
    # What the cycle did before marks were carried: 40 000 TRY of BTC vanish from equity.
    assert value(BOOKS, {"ETHTRY": D("100000")}).equity == D("160000")


def test_a_mark_is_carried_up_to_the_bound_and_no_further():
    at_bound = value(BOOKS, {"ETHTRY": D("100000")}, carry(MAX_AGE, BTCTRY="2000000"))
    assert at_bound.complete and at_bound.carried_marks == {"BTCTRY": MAX_AGE}
    beyond = value(BOOKS, {"ETHTRY": D("100000")}, carry(MAX_AGE + 1, BTCTRY="2000000"))
    assert not beyond.complete
    assert beyond.stale_marks == {"BTCTRY": MAX_AGE + 1} and beyond.carried_marks == {}
    assert beyond.missing_marks == ("BTCTRY",)
    assert beyond.equity == D("160000")  # what could be valued; nothing may read a loss from it


def test_a_holding_that_never_had_a_mark_is_left_out_and_the_valuation_stays_complete():
    valuation = value(BOOKS, {"ETHTRY": D("100000")}, carry(0))
    assert valuation.unpriced == ("BTCTRY",) and valuation.missing_marks == ("BTCTRY",)
    assert valuation.complete and valuation.equity == D("160000")


def test_a_fresh_mark_wins_over_a_carried_one_and_a_non_positive_mark_is_missing():
    fresh = value(BOOKS, MARKS, carry(1_000, BTCTRY="1"))
    assert fresh.equity == D("200000") and fresh.carried_marks == {}
    zero = value(BOOKS, {**MARKS, "BTCTRY": D("0")}, carry(1_000, BTCTRY="1900000"))
    assert zero.equity == D("198000") and zero.carried_marks == {"BTCTRY": 1_000}


def test_a_mark_ages_from_the_cycle_that_saw_it_however_many_cycles_carry_it():
    seen = known_marks(MARKS, Carry(now_ms=T0))  # cycle 1 reads both
    assert seen["BTCTRY"] == Mark(price=D("2000000"), as_of_ms=T0)
    step = 300_000
    for cycle in range(1, 5):  # cycles 2..5 cannot read BTCTRY
        now = T0 + cycle * step
        marks = {"ETHTRY": D("100000")}
        c = Carry(marks=carried_marks(seen, marks), now_ms=now, max_age_ms=MAX_AGE)
        valuation = value(BOOKS, marks, c)
        assert valuation.complete == (cycle * step <= MAX_AGE)
        seen = known_marks(marks, c)
        assert seen["BTCTRY"].as_of_ms == T0 and seen["ETHTRY"].as_of_ms == now


def test_the_prices_a_valuation_could_use_are_the_fresh_and_the_usable_carried_ones():
    c = Carry(
        marks={"BTCTRY": Mark(price=D("1"), as_of_ms=T0), "XRPTRY": Mark(price=D("2"), as_of_ms=T0 - 10**9)},
        now_ms=T0,
        max_age_ms=MAX_AGE,
    )
    assert effective_marks({"ETHTRY": D("3"), "ADATRY": D("0")}, c) == {"BTCTRY": 1, "ETHTRY": 3}


def test_an_incomplete_valuation_moves_no_peak_no_day_and_reads_no_loss():
    state = EquityState(peak_equity=D("200000"), day_start_ms=T0 - 1000, day_start_equity=D("199000"))
    reading = hold_equity(state, D("120000"))
    assert not reading.complete
    assert (reading.drawdown_ratio, reading.daily_pnl, reading.daily_loss_ratio) == (0, 0, 0)
    assert reading.peak_equity == D("200000") and not reading.day_rolled
    # The same equity, tracked, is the phantom 40 % drawdown the kill switch tripped on.
    _, tracked = track_equity(state, D("120000"), T0)
    assert tracked.drawdown_ratio == D("0.4")


prices = st.decimals(min_value=D("0.01"), max_value=D("10000000"), places=2)


@settings(max_examples=200, deadline=None)
@given(btc=prices, eth=prices, age=st.integers(0, 2 * MAX_AGE), fresh_eth=st.booleans())
def test_carried_holdings_count_in_full_or_the_valuation_says_it_is_incomplete(btc, eth, age, fresh_eth):
    full = value(BOOKS, {"BTCTRY": btc, "ETHTRY": eth})
    marks = {"ETHTRY": eth} if fresh_eth else {}
    last = carry(age, BTCTRY=str(btc), **({} if fresh_eth else {"ETHTRY": str(eth)}))
    valuation = value(BOOKS, marks, last)
    if age <= MAX_AGE:
        assert valuation.complete and valuation.equity == full.equity
    else:
        assert not valuation.complete and "BTCTRY" in valuation.stale_marks
        assert valuation.equity < full.equity  # so it must never be compared with the peak
