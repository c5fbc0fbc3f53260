"""The governor: a cycle's rejected submits count as submitted (for the budget and the anomaly
monitor), and a cycle whose valuation is incomplete is OBSERVE and leaves the risk budget alone.

A cycle's `submitted` counter holds the submits the exchange accepted; `exchange_rejected` the
ones it refused. Both are submits.
"""

from __future__ import annotations

from decimal import Decimal as D

from hypothesis import given, settings
from hypothesis import strategies as st

from bot.accounting import Carry, Mark, build_books, hold_equity, track_equity, value
from bot.accounting.marks import effective_marks
from bot.accounting.trade_outcomes import TradeOutcomes
from bot.config import Settings
from bot.cycle.portfolio.books import LedgerAccounts
from bot.cycle.portfolio.governor import Observed, govern
from bot.cycle.portfolio.memory import PortfolioMemory
from bot.cycle.portfolio.params import portfolio_params
from bot.domain.account import AccountSnapshot, Balance
from bot.domain.cycles import CycleOutcome, CycleStatus
from bot.domain.market import MarketSnapshot
from bot.domain.risk import RiskMode
from bot.replay.pair_specs import DEFAULT_PAIRS
from bot.risk.cycle_history import observation, submit_outcomes
from bot.risk.reject_rate import SubmitOutcomes
from bot.risk.risk_budget import BudgetState

T0 = 1_700_000_000_000
PARAMS = portfolio_params(Settings())
RULES = {"BTCTRY": DEFAULT_PAIRS["BTCTRY"].rules}
OPENING = {"TRY": D("60000"), "BTC": D("0.02")}
BALANCES = {a: Balance(asset=a, total=t, free=t, locked=D(0)) for a, t in OPENING.items()}


def cycle(cycle_id: int, accepted: int, rejected: int) -> CycleOutcome:
    return CycleOutcome(
        cycle_id=cycle_id,
        duration_ms=1,
        status=CycleStatus.OK,
        counters={"submitted": accepted, "exchange_rejected": rejected, "uncertain": 1},
    )


def test_one_accepted_and_one_rejected_submit_are_two_submits():
    assert submit_outcomes([cycle(2, 1, 0), cycle(1, 0, 1)]) == SubmitOutcomes(accepted=1, rejected=1)


def test_the_anomaly_observation_of_a_cycle_that_was_all_rejects():
    seen = observation([cycle(1, 0, 4)], data_age_ms=0, divergence=D(0), clock_skew_ms=0)
    assert seen.submits == SubmitOutcomes(accepted=0, rejected=4)


@settings(max_examples=100, deadline=None)
@given(counts=st.lists(st.tuples(st.integers(0, 9), st.integers(0, 9)), max_size=25))
def test_every_answered_submit_of_the_window_is_counted_once(counts):
    cycles = [cycle(i, accepted, rejected) for i, (accepted, rejected) in enumerate(counts)]
    outcomes = submit_outcomes(cycles)
    assert outcomes.accepted == sum(a for a, _ in counts)
    assert outcomes.rejected == sum(r for _, r in counts)
    assert outcomes.submitted == sum(a + r for a, r in counts)


def accounts(mark_age_ms: int) -> LedgerAccounts:
    books = build_books(opening_balances=OPENING, fills=[], pairs=RULES, quote_asset="TRY")
    last = {"BTCTRY": Mark(price=D("2000000"), as_of_ms=T0 - mark_age_ms)}
    carry = Carry(marks=last, now_ms=T0, max_age_ms=PARAMS.max_mark_age_ms)
    return LedgerAccounts(
        books=books,
        valuation=value(books, {}, carry),
        outcomes=TradeOutcomes(loss_streak=0, fees_quote_since=D(0), unconverted_fee_fills=0),
        opening_balances=OPENING,
        prices=effective_marks({}, carry),
    )


def governed(accounts: LedgerAccounts, budget: BudgetState):
    valuation = accounts.valuation
    _, complete = track_equity(None, valuation.equity, T0)
    observed = Observed(
        now_ms=T0,
        market=MarketSnapshot(ts_ms=T0),
        account=AccountSnapshot(ts_ms=T0, balances=BALANCES),  # the ledger's, to the last digit
        rules=RULES,
        universe=[],
        reading=complete if valuation.complete else hold_equity(None, valuation.equity),
        accounts=accounts,
        recent_cycles=[],
        exchange_degraded=False,
        clock_skew_ms=0,
    )
    return govern(PortfolioMemory(budget=budget), PARAMS, observed, budget_governs=True)


def test_an_incomplete_valuation_observes_and_neither_tightens_nor_loosens_the_budget():
    # REDUCE long enough, one healthy cycle short of stepping back to NORMAL.
    recovering = BudgetState(
        mode=RiskMode.REDUCE, since_ms=T0 - 10**9, healthy_cycles=PARAMS.budget.recovery_healthy_cycles - 1
    )
    carried = governed(accounts(mark_age_ms=60_000), recovering)
    assert carried.budget is not None and carried.budget.mode is RiskMode.NORMAL  # a healthy cycle
    assert carried.mode is RiskMode.NORMAL, "the exchange's balances valued at the same carried mark"
    stale = governed(accounts(mark_age_ms=PARAMS.max_mark_age_ms + 1), recovering)
    assert stale.budget == recovering and stale.transitions == ()
    assert (stale.mode, stale.size_multiplier) == (RiskMode.OBSERVE, 0)
    assert stale.causes[-1] == (
        f"valuation_incomplete: BTCTRY mark {PARAMS.max_mark_age_ms + 1}ms old"
        f" > max_mark_age_ms={PARAMS.max_mark_age_ms}"
    )
