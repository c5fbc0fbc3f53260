"""One representative scenario per reason code the stage 3, 4 and 7 checks can emit."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from decimal import Decimal as D

import pytest

from bot.domain.account import Position
from bot.domain.decisions import Decision, DecisionLayer, ReasonCode, Verdict
from bot.domain.intents import CancelIntent, OrderIntent, SubmitIntent
from bot.domain.orders import Order, OrderStatus, Side
from bot.domain.risk import RiskMode
from bot.risk.portfolio_policy import PortfolioContext, PortfolioLimits, check_portfolio
from bot.risk.stage3_policy import CheckContext, check_stage3
from bot.testing.builders import account, btctry_rules, market
from bot.testing.risk_builders import SAFE, portfolio_limits

# Codes no check of stage 3, 4 or 7 can emit. None today: the executor records no reason code
# of its own (grep ReasonCode in src/bot/execution), and ORDER_NOT_WORKING, although of the
# execution layer, is emitted by every stage's cancel check.
EXCLUDED: frozenset[ReasonCode] = frozenset()

NOW = 1_700_000_000_000
LIMITS = portfolio_limits(max_open_orders_per_symbol=3)
Check = Callable[[Sequence[OrderIntent], PortfolioContext, PortfolioLimits], list[Decision]]


def stage3(intents: Sequence[OrderIntent], ctx: PortfolioContext, limits: PortfolioLimits) -> list[Decision]:
    return check_stage3(intents, ctx.base, limits.stage3)


def buy(notional="1400", symbol="BTCTRY", price="1400000") -> SubmitIntent:
    return SubmitIntent(symbol=symbol, side=Side.BUY, price=D(price), quantity=D(notional) / D(price))


def sell(quantity="0.001", price="1500000") -> SubmitIntent:
    return SubmitIntent(symbol="BTCTRY", side=Side.SELL, price=D(price), quantity=D(quantity))


def working(symbol="BTCTRY", cid="w-1") -> Order:
    return Order(
        client_order_id=cid,
        exchange_order_id="1",
        cycle_id=1,
        symbol=symbol,
        side=Side.BUY,
        price=D("1300000") if symbol == "BTCTRY" else D("90000"),
        quantity=D("0.001"),
        filled_quantity=D("0"),
        status=OrderStatus.OPEN,
        created_ms=NOW - 1000,
        updated_ms=NOW - 1000,
    )


def held(quantity: str, average_cost="1000000") -> dict[str, Position]:
    return {"BTCTRY": Position(symbol="BTCTRY", quantity=D(quantity), average_cost=D(average_cost))}


@dataclass(frozen=True)
class Row:
    reason: ReasonCode
    verdict: Verdict
    layer: DecisionLayer
    check: Check
    intents: tuple[OrderIntent, ...]
    base: dict[str, object] = field(default_factory=dict)  # CheckContext overrides (+ free, age_ms)
    portfolio: dict[str, object] = field(default_factory=dict)  # PortfolioContext overrides
    limits: dict[str, object] = field(default_factory=dict)  # PortfolioLimits overrides
    stage3_limits: dict[str, object] = field(default_factory=dict)


def context(row: Row) -> PortfolioContext:
    base_overrides = dict(row.base)
    free = base_overrides.pop("free", {"TRY": "100000", "BTC": "1"})
    age_ms = base_overrides.pop("age_ms", 0)
    base = CheckContext(
        cycle_id=1,
        now_ms=NOW,
        market=market(NOW, {"BTCTRY": ("1400000", "1400100")}, age_ms=age_ms),
        account=account(NOW, free),
        working_orders=(),
        last_submit_ms={},
        rules={"BTCTRY": btctry_rules(), "ETHTRY": btctry_rules(symbol="ETHTRY", base="ETH")},
        safety=SAFE,
    )
    fields: dict[str, object] = {
        "base": replace(base, **base_overrides),
        "positions": {},
        "universe": frozenset({"BTCTRY", "ETHTRY"}),
        "drawdown_ratio": D("0"),
        "daily_loss_ratio": D("0"),
        "capital_scale": D("1"),
        "trading_capital_try": D("100000"),
    }
    fields.update(row.portfolio)
    return PortfolioContext(**fields)  # type: ignore[arg-type]


def limits(row: Row) -> PortfolioLimits:
    return replace(LIMITS, stage3=replace(LIMITS.stage3, **row.stage3_limits), **row.limits)


A, C, R = Verdict.APPROVED, Verdict.CAPPED, Verdict.REJECTED
GATE, RULES, BUDGET = DecisionLayer.SAFETY_GATE, DecisionLayer.EXCHANGE_RULES, DecisionLayer.RISK_BUDGET
POLICY, CAPITAL, EXECUTION = DecisionLayer.RISK_POLICY, DecisionLayer.CAPITAL, DecisionLayer.EXECUTION
RC = ReasonCode

ROWS = [
    Row(RC.OK, A, POLICY, stage3, (buy(),)),
    # safety gate
    Row(RC.DRY_RUN, R, GATE, stage3, (buy(),), base={"safety": replace(SAFE, dry_run=True)}),
    Row(
        RC.KILL_SWITCH_ACTIVE,
        R,
        GATE,
        check_portfolio,
        (buy(),),
        base={"safety": replace(SAFE, kill_switch=True)},
    ),
    Row(RC.LIVE_NOT_ARMED, R, GATE, check_portfolio, (buy(),), base={"safety": replace(SAFE, live=True)}),
    Row(RC.MARKET_DATA_STALE, R, GATE, check_portfolio, (buy(),), base={"age_ms": 60_000}),
    Row(RC.MARKET_DATA_MISSING, R, GATE, check_portfolio, (buy(symbol="ETHTRY", price="100000"),)),
    Row(
        RC.SYMBOL_FROZEN,
        R,
        GATE,
        stage3,
        (buy(),),
        base={"safety": replace(SAFE, frozen_symbols=frozenset({"BTCTRY"}))},
    ),
    Row(
        RC.EXCHANGE_DEGRADED,
        R,
        GATE,
        check_portfolio,
        (buy(),),
        base={"safety": replace(SAFE, exchange_degraded=True)},
    ),
    Row(
        RC.BALANCE_DRIFT,
        R,
        GATE,
        stage3,
        (buy(),),
        base={"safety": replace(SAFE, balance_drift=True)},
    ),
    Row(
        RC.ACCOUNT_NOT_FRESH,
        R,
        GATE,
        check_portfolio,
        (buy(),),
        base={"safety": replace(SAFE, account_fresh=False)},
    ),
    Row(
        RC.FOREIGN_ORDER_OPEN,
        R,
        GATE,
        check_portfolio,
        (buy(),),
        base={"safety": replace(SAFE, foreign_orders_halt=True)},
    ),
    # exchange rules
    Row(RC.RULES_MISSING, R, RULES, stage3, (buy(),), base={"rules": {}}),
    Row(
        RC.SYMBOL_NOT_TRADING,
        R,
        RULES,
        check_portfolio,
        (buy(),),
        base={"rules": {"BTCTRY": btctry_rules(trading=False)}},
    ),
    Row(RC.PRICE_OUT_OF_BAND, R, RULES, check_portfolio, (buy("1", price="500"),)),
    Row(RC.QUANTITY_ROUNDS_TO_ZERO, R, RULES, stage3, (buy("0.001"),)),
    # A buy capped by the cash reserve to 50 TRY falls below the 99.91 TRY minimum.
    Row(RC.BELOW_MIN_NOTIONAL, R, RULES, check_portfolio, (buy(),), base={"free": {"TRY": "1050"}}),
    # risk budget (stage 7 modes)
    Row(RC.OBSERVE_ONLY, R, BUDGET, check_portfolio, (sell(),), portfolio={"mode": RiskMode.OBSERVE}),
    Row(RC.REDUCE_ONLY, R, BUDGET, check_portfolio, (buy(),), portfolio={"mode": RiskMode.REDUCE}),
    Row(
        RC.VOLATILITY_CAPPED,
        C,
        BUDGET,
        check_portfolio,
        (buy("4000"),),
        portfolio={"size_multiplier": D("0.5"), "volatility_halved": True},
    ),
    # risk policy
    Row(RC.SYMBOL_NOT_IN_UNIVERSE, R, POLICY, check_portfolio, (buy(),), portfolio={"universe": frozenset()}),
    Row(RC.DAILY_LOSS_STOP, R, POLICY, check_portfolio, (buy(),), portfolio={"daily_loss_ratio": D("0.04")}),
    Row(RC.DRAWDOWN_STOP, R, POLICY, check_portfolio, (buy(),), portfolio={"drawdown_ratio": D("0.12")}),
    Row(
        RC.MIN_PROFIT_NOT_MET,
        R,
        POLICY,
        check_portfolio,
        (sell(price="1000000"),),
        portfolio={"positions": held("0.01")},
    ),
    Row(
        RC.MAX_ORDERS_PER_CYCLE, R, POLICY, stage3, (buy(), buy()), stage3_limits={"max_orders_per_cycle": 1}
    ),
    Row(
        RC.MAX_OPEN_ORDERS_PER_SYMBOL,
        R,
        POLICY,
        check_portfolio,
        (buy(),),
        base={"working_orders": (working(cid="w-1"), working(cid="w-2"), working(cid="w-3"))},
    ),
    Row(
        RC.MAX_OPEN_ORDERS,
        R,
        POLICY,
        check_portfolio,
        (buy(),),
        base={"working_orders": (working("ETHTRY"),)},
        limits={"max_open_orders": 1},
    ),
    Row(
        RC.SIDE_COOLDOWN,
        R,
        POLICY,
        stage3,
        (buy(),),
        base={"last_submit_ms": {("BTCTRY", Side.BUY): NOW - 1}},
        stage3_limits={"side_cooldown_ms": 60_000},
    ),
    Row(RC.NOTIONAL_PER_ORDER_CAPPED, C, POLICY, stage3, (buy("6000"),)),
    Row(
        RC.NOTIONAL_PER_CYCLE_CAPPED,
        C,
        POLICY,
        check_portfolio,
        (buy("4000"), buy("4000")),
        stage3_limits={"max_notional_per_cycle_try": D("6000")},
    ),
    Row(
        RC.NOTIONAL_PER_CYCLE_EXHAUSTED,
        R,
        POLICY,
        stage3,
        (buy("4000"), buy("4000")),
        stage3_limits={"max_notional_per_cycle_try": D("4050")},
    ),
    Row(
        RC.POSITION_NOTIONAL_CAPPED,
        C,
        POLICY,
        check_portfolio,
        (buy("4000"),),
        portfolio={"positions": held("0.005")},
    ),
    Row(
        RC.POSITION_LIMIT_REACHED,
        R,
        POLICY,
        check_portfolio,
        (buy(),),
        portfolio={"positions": held("0.0071")},
    ),
    Row(
        RC.EXPOSURE_CAPPED,
        C,
        POLICY,
        check_portfolio,
        (buy("4000"),),
        portfolio={"positions": held("0.004")},
        limits={"max_exposure_try": D("7000")},
    ),
    Row(
        RC.EXPOSURE_LIMIT_REACHED,
        R,
        POLICY,
        check_portfolio,
        (buy(),),
        portfolio={"positions": held("0.004")},
        limits={"max_exposure_try": D("5650")},
    ),
    # capital
    Row(RC.CASH_RESERVE_CAPPED, C, CAPITAL, stage3, (buy("1000"),), base={"free": {"TRY": "1500"}}),
    Row(RC.CASH_RESERVE_BREACH, R, CAPITAL, check_portfolio, (buy(),), base={"free": {"TRY": "900"}}),
    Row(
        RC.INSUFFICIENT_BASE_BALANCE, R, CAPITAL, check_portfolio, (sell(),), base={"free": {"TRY": "100000"}}
    ),
    Row(
        RC.TRADING_CAPITAL_CAPPED,
        C,
        CAPITAL,
        check_portfolio,
        (buy("4000"),),
        portfolio={"trading_capital_try": D("3000")},
    ),
    Row(
        RC.TRADING_CAPITAL_EXHAUSTED,
        R,
        CAPITAL,
        check_portfolio,
        (buy(),),
        portfolio={"trading_capital_try": D("50")},
    ),
    # execution
    Row(
        RC.ORDER_NOT_WORKING,
        R,
        EXECUTION,
        check_portfolio,
        (CancelIntent(symbol="BTCTRY", side=Side.BUY, client_order_id="nobody"),),
    ),
]


@pytest.mark.parametrize("row", ROWS, ids=[row.reason.value for row in ROWS])
def test_reason_code_scenario(row: Row):
    decisions = row.check(list(row.intents), context(row), limits(row))
    decision = decisions[-1]
    assert (decision.verdict, decision.reason_code, decision.layer) == (row.verdict, row.reason, row.layer)
    assert decision.approved == (row.verdict is not Verdict.REJECTED)
    assert (decision.final_intent is None) == (row.verdict is Verdict.REJECTED)


def test_the_table_covers_every_reason_code_once():
    reasons = [row.reason for row in ROWS]
    assert len(reasons) == len(set(reasons)), "one row per reason code"
    assert set(reasons) == set(ReasonCode) - EXCLUDED
    assert not set(reasons) & EXCLUDED


def test_the_table_exercises_every_stage():
    assert {row.check for row in ROWS} == {stage3, check_portfolio}
