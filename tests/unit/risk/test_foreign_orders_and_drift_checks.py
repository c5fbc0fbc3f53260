"""Foreign open orders count against the open-order caps; drift and the halt policy stop submits only."""

from __future__ import annotations

from dataclasses import replace
from decimal import Decimal as D

from bot.domain.decisions import ReasonCode, Verdict
from bot.domain.foreign_orders import ForeignOrder
from bot.domain.intents import CancelIntent, SubmitIntent
from bot.domain.orders import Order, OrderStatus, Side
from bot.risk.portfolio_policy import PortfolioContext, check_portfolio
from bot.risk.stage3_policy import CheckContext, check_stage3
from bot.testing.builders import account, btctry_rules, market
from bot.testing.risk_builders import SAFE, portfolio_limits

NOW = 1_700_000_000_000
BUY = SubmitIntent(symbol="BTCTRY", side=Side.BUY, price=D("1400000"), quantity=D("0.001"))
RULES = {"BTCTRY": btctry_rules(), "ETHTRY": btctry_rules(symbol="ETHTRY", base="ETH")}


def foreign(symbol="BTCTRY", n=1) -> tuple[ForeignOrder, ...]:
    return tuple(
        ForeignOrder(
            exchange_order_id=str(i),
            client_order_id=None,
            symbol=symbol,
            side=Side.BUY,
            price=D("1000000"),
            quantity=D("0.01"),
            seen_ms=NOW,
        )
        for i in range(n)
    )


def ctx(**overrides) -> CheckContext:
    base = CheckContext(
        cycle_id=1,
        now_ms=NOW,
        market=market(NOW, {"BTCTRY": ("1400000", "1400100"), "ETHTRY": ("80000", "80010")}),
        account=account(NOW, {"TRY": "100000", "BTC": "1"}),
        working_orders=(),
        last_submit_ms={},
        rules=RULES,
        safety=SAFE,
    )
    return replace(base, **overrides)


def portfolio(base: CheckContext) -> PortfolioContext:
    return PortfolioContext(
        base=base,
        positions={},
        universe=frozenset(RULES),
        drawdown_ratio=D(0),
        daily_loss_ratio=D(0),
        capital_scale=D(1),
        trading_capital_try=D("100000"),
    )


def test_a_foreign_order_on_the_symbol_counts_against_the_per_symbol_cap():
    limits = portfolio_limits(max_open_orders_per_symbol=1).stage3
    assert check_stage3([BUY], ctx(), limits)[0].approved
    [decision] = check_stage3([BUY], ctx(foreign_orders=foreign()), limits)
    assert decision.reason_code is ReasonCode.MAX_OPEN_ORDERS_PER_SYMBOL
    assert decision.details["foreign"] == "1"
    assert check_stage3([BUY], ctx(foreign_orders=foreign("ETHTRY")), limits)[0].approved


def test_foreign_orders_count_against_the_total_open_order_cap_in_stages_4_and_7():
    limits = replace(portfolio_limits(max_open_orders_per_symbol=5), max_open_orders=3)
    assert check_portfolio([BUY], portfolio(ctx(foreign_orders=foreign("ETHTRY", 2))), limits)[0].approved
    [decision] = check_portfolio([BUY], portfolio(ctx(foreign_orders=foreign("ETHTRY", 3))), limits)
    assert decision.reason_code is ReasonCode.MAX_OPEN_ORDERS


def test_drift_and_the_halt_policy_reject_submits_but_let_cancels_through():
    limits = portfolio_limits().stage3
    working = Order(
        client_order_id="b3-t-1-0",
        exchange_order_id="9",
        cycle_id=1,
        symbol="BTCTRY",
        side=Side.BUY,
        price=D("1300000"),
        quantity=D("0.001"),
        filled_quantity=D(0),
        status=OrderStatus.OPEN,
        created_ms=NOW,
        updated_ms=NOW,
    )
    cancel = CancelIntent(symbol="BTCTRY", side=Side.BUY, client_order_id="b3-t-1-0")
    for flag, reason in (
        ("balance_drift", ReasonCode.BALANCE_DRIFT),
        ("foreign_orders_halt", ReasonCode.FOREIGN_ORDER_OPEN),
    ):
        context = ctx(safety=replace(SAFE, **{flag: True}), working_orders=(working,))
        submit, cancelled = check_stage3([BUY, cancel], context, limits)
        assert (submit.verdict, submit.reason_code) == (Verdict.REJECTED, reason)
        assert cancelled.approved


def test_funds_a_foreign_order_locks_are_not_spent_every_stage_spends_the_exchanges_free_balance():
    # 11,500 TRY in total, 10,000 of it locked by a buy placed by hand: 1,500 free, 1,000 reserved.
    locked = account(NOW, {"TRY": "1500", "BTC": "1"}, locked={"TRY": "10000"})
    limits = replace(portfolio_limits().stage3, cash_reserve_try=D("1000"))
    buy = replace(BUY, quantity=D("0.002"))  # 2,800 TRY
    for decision in (
        check_stage3([buy], ctx(account=locked, foreign_orders=foreign()), limits)[0],
        check_portfolio([buy], portfolio(ctx(account=locked, foreign_orders=foreign())), portfolio_limits())[
            0
        ],
    ):
        assert decision.reason_code is ReasonCode.CASH_RESERVE_CAPPED
        assert decision.final_intent.price * decision.final_intent.quantity <= D("500")
