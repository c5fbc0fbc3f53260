"""Whatever the strategy proposes and whatever the account holds, approved actions keep every limit."""

from __future__ import annotations

from decimal import Decimal as D

from hypothesis import given, settings
from hypothesis import strategies as st

from bot.domain.decisions import Verdict
from bot.domain.intents import SubmitIntent
from bot.domain.orders import Side
from bot.risk.stage3_policy import CheckContext, Stage3Limits, check_stage3
from bot.testing.builders import account, btctry_rules, market
from bot.testing.risk_builders import SAFE

NOW = 1_700_000_000_000

money = st.decimals(min_value=D("0"), max_value=D("100000"), places=2)
prices = st.decimals(min_value=D("1000000"), max_value=D("2000000"), places=0)
quantities = st.decimals(min_value=D("0.00000001"), max_value=D("0.05"), places=8)
intents = st.lists(
    st.builds(
        lambda side, price, qty: SubmitIntent(symbol="BTCTRY", side=side, price=price, quantity=qty),
        st.sampled_from(list(Side)),
        prices,
        quantities,
    ),
    max_size=8,
)
limits = st.builds(
    lambda order, extra, reserve, n, open_n, fee: Stage3Limits(
        max_orders_per_cycle=n,
        max_open_orders_per_symbol=open_n,
        side_cooldown_ms=0,
        max_notional_per_order_try=order,
        max_notional_per_cycle_try=order + extra,
        cash_reserve_try=reserve,
        quote_asset="TRY",
        fee_allowance_ratio=fee,
    ),
    st.decimals(min_value=D("100"), max_value=D("20000"), places=2),
    money,
    money,
    st.integers(0, 6),
    st.integers(0, 6),
    st.sampled_from([D("0"), D("0.0025")]),
)


@settings(max_examples=300, deadline=None)
@given(
    intents=intents,
    limits=limits,
    free_try=money,
    free_btc=st.decimals(min_value=D(0), max_value=D(1), places=8),
)
def test_approved_actions_never_break_a_limit(intents, limits, free_try, free_btc):
    ctx = CheckContext(
        cycle_id=1,
        now_ms=NOW,
        market=market(NOW, {"BTCTRY": ("1400000", "1400100")}),
        account=account(NOW, {"TRY": str(free_try), "BTC": str(free_btc)}),
        working_orders=(),
        last_submit_ms={},
        rules={"BTCTRY": btctry_rules()},
        safety=SAFE,
    )
    decisions = check_stage3(intents, ctx, limits)
    assert len(decisions) == len(intents)
    approved = [d.final_intent for d in decisions if d.verdict is not Verdict.REJECTED]
    assert all(isinstance(a, SubmitIntent) for a in approved)
    notionals = [a.price * a.quantity for a in approved]
    buys = [a.price * a.quantity for a in approved if a.side is Side.BUY]
    sells = [a.quantity for a in approved if a.side is Side.SELL]
    assert len(approved) <= min(limits.max_orders_per_cycle, limits.max_open_orders_per_symbol)
    assert all(n <= limits.max_notional_per_order_try for n in notionals)
    assert sum(notionals, D(0)) <= limits.max_notional_per_cycle_try
    assert sum(b * (1 + limits.fee_allowance_ratio) for b in buys) <= max(
        D(0), free_try - limits.cash_reserve_try
    )
    assert sum(sells, D(0)) <= free_btc
    assert all(n >= btctry_rules().min_notional for n in notionals)
    for decision in decisions:
        if decision.verdict is Verdict.CAPPED:
            assert decision.final_intent.quantity < decision.intent.quantity
