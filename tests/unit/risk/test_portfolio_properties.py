"""Whatever the portfolio, the account, the limits and the mode, approved actions keep every limit.

Each invariant is computed here from the inputs, not with the policy's own helpers.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass, replace
from decimal import Decimal as D

from hypothesis import given, settings
from hypothesis import strategies as st

from bot.domain.account import Position
from bot.domain.decisions import Decision, Verdict
from bot.domain.intents import CancelIntent, OrderIntent, SubmitIntent
from bot.domain.money import quantize_down
from bot.domain.orders import Order, OrderStatus, Side
from bot.domain.risk import RiskMode
from bot.risk.portfolio_policy import PortfolioContext, PortfolioLimits, check_portfolio
from bot.risk.stage3_policy import CheckContext, Stage3Limits
from bot.testing.builders import account, btctry_rules, market
from bot.testing.risk_builders import SAFE

NOW = 1_700_000_000_000
BASES = {"BTCTRY": "BTC", "ETHTRY": "ETH", "AVAXTRY": "AVAX", "XRPTRY": "XRP"}
SYMBOLS = ["BTCTRY", "ETHTRY", "AVAXTRY"]
ONE = D(1)
UNLIMITED = D("1e9")


def money(low: str, high: str) -> st.SearchStrategy[D]:
    """Amounts with kuruş, spread evenly over the range (integers() crowd near the low bound)."""
    lo, hi = D(low), D(high)

    def at(percent: int, basis: int) -> D:
        return min(hi, quantize_down(lo + (hi - lo) * (percent * 100 + basis) / 10_000, 2))

    return st.builds(at, st.sampled_from(range(101)), st.integers(0, 99))


def grid(low: str, high: str, step: str) -> st.SearchStrategy[D]:
    """Evenly spread decimals from low to high (decimals() would crowd near the bounds)."""
    lo, hi, by = D(low), D(high), D(step)
    return st.sampled_from([lo + k * by for k in range(int((hi - lo) / by) + 1)])


def count(low: int, high: int) -> st.SearchStrategy[int]:
    return st.sampled_from(range(low, high + 1))


def binding_or_off(high: str, low: str = "0") -> st.SearchStrategy[D]:
    """Half the time a limit in a range where it binds, half the time one that never does,
    so that examples often have a single binding limit."""
    return st.one_of(money(low, high), st.just(UNLIMITED))


@dataclass(frozen=True)
class Scenario:
    intents: list[OrderIntent]
    ctx: PortfolioContext
    limits: PortfolioLimits


@st.composite
def quotes(draw: st.DrawFn) -> dict[str, tuple[int, int]]:
    """1 to 3 symbols with a best bid and ask each (prices spread over three decades)."""
    symbols = draw(st.lists(st.sampled_from(SYMBOLS), min_size=1, max_size=3, unique=True))
    book = {}
    for symbol in symbols:
        bid = draw(st.integers(2_000, 2_000_000))
        book[symbol] = (bid, bid + draw(st.integers(0, bid // 100)))
    return book


def mids_of(book: dict[str, tuple[int, int]]) -> dict[str, D]:
    return {s: D(bid + ask) / 2 for s, (bid, ask) in book.items()}


@st.composite
def positions_for(draw: st.DrawFn, mids: dict[str, D]) -> dict[str, Position]:
    # XRPTRY may be held without market data: it is valued at its average cost.
    marks = {**mids, "XRPTRY": D(draw(st.integers(1_000, 5_000)))}
    positions = {}
    for symbol in draw(st.lists(st.sampled_from(sorted(marks)), max_size=4, unique=True)):
        quantity = quantize_down(draw(money("0", "6000")) / marks[symbol], 8)
        cost = quantize_down(marks[symbol] * draw(grid("0.8", "1.2", "1e-2")), 2)
        positions[symbol] = Position(symbol=symbol, quantity=quantity, average_cost=cost)
    return positions


def symbol_for(mids: dict[str, D], positions: dict[str, Position]) -> st.SearchStrategy[str]:
    """A quoted symbol, often a held one (where replaces, REDUCE and min-profit matter)."""
    held = [s for s in sorted(mids) if s in positions]
    return st.one_of(st.sampled_from(held or sorted(mids)), st.sampled_from(sorted(mids)))


@st.composite
def working_for(draw: st.DrawFn, mids: dict[str, D], positions: dict[str, Position]) -> tuple[Order, ...]:
    orders = []
    for index in range(draw(count(0, 3))):
        symbol = draw(symbol_for(mids, positions))
        price = quantize_down(mids[symbol] * draw(grid("0.9", "1.1", "1e-3")), 0)
        quantity = quantize_down(draw(money("100", "8000")) / price, 8)
        orders.append(
            Order(
                client_order_id=f"w-{index}",
                exchange_order_id=str(index),
                cycle_id=1,
                symbol=symbol,
                side=draw(st.sampled_from(list(Side))),
                price=price,
                quantity=quantity,
                filled_quantity=quantize_down(quantity * draw(grid("0", "0.9", "1e-1")), 8),
                status=draw(
                    st.sampled_from([OrderStatus.OPEN, OrderStatus.PARTIALLY_FILLED, OrderStatus.UNKNOWN])
                ),
                created_ms=NOW - 5_000,
                updated_ms=NOW - 5_000,
            )
        )
    return tuple(orders)


@st.composite
def intents_for(
    draw: st.DrawFn, mids: dict[str, D], positions: dict[str, Position], working: tuple[Order, ...]
) -> list[OrderIntent]:
    """Submits around the mid or near break-even, some replacing a working order, a few cancels."""
    ids = [o.client_order_id for o in working]
    intents: list[OrderIntent] = []
    for _ in range(draw(count(1, 8))):
        symbol = draw(symbol_for(mids, positions))
        side = draw(st.sampled_from(list(Side)))
        if ids and draw(count(0, 4)) == 0:
            intents.append(CancelIntent(symbol=symbol, side=side, client_order_id=draw(st.sampled_from(ids))))
            continue
        price = quantize_down(mids[symbol] * draw(grid("0.8", "1.3", "1e-3")), 0)
        if side is Side.SELL and symbol in positions and draw(st.booleans()):
            price = quantize_down(positions[symbol].average_cost * draw(grid("0.995", "1.015", "1e-4")), 0)
        quantity = quantize_down(draw(money("1", "20000")) / price, 9)
        replaces = draw(st.sampled_from(ids)) if ids and draw(st.booleans()) else None
        intents.append(
            SubmitIntent(symbol=symbol, side=side, price=price, quantity=quantity, replaces=replaces)
        )
    return intents


@st.composite
def portfolio_limits(draw: st.DrawFn) -> PortfolioLimits:
    order_try = draw(binding_or_off("8000", low="100"))
    return PortfolioLimits(
        stage3=Stage3Limits(
            max_orders_per_cycle=draw(count(1, 8)),
            max_open_orders_per_symbol=draw(count(1, 8)),
            side_cooldown_ms=0,
            max_notional_per_order_try=order_try,
            max_notional_per_cycle_try=order_try + draw(binding_or_off("20000")),
            cash_reserve_try=draw(money("0", "3000")),
            quote_asset="TRY",
            fee_allowance_ratio=draw(st.sampled_from([D(0), D("0.0025")])),
        ),
        max_open_orders=draw(count(2, 14)),
        max_position_notional_try=draw(binding_or_off("25000")),
        max_exposure_try=draw(binding_or_off("40000")),
        min_profit_bps=draw(st.sampled_from([D(0), D(50)])),
        sell_fee_ratio=draw(st.sampled_from([D(0), D("0.002")])),
        slippage_bps=draw(st.sampled_from([D(0), D(25), D(50)])),
        daily_loss_stop_ratio=draw(grid("0.01", "0.2", "1e-2")),
        drawdown_stop_ratio=draw(grid("0.01", "0.2", "1e-2")),
    )


@st.composite
def scenarios(draw: st.DrawFn) -> Scenario:
    book = draw(quotes())
    mids = mids_of(book)
    positions = draw(positions_for(mids))
    working = draw(working_for(mids, positions))
    free = {"TRY": str(draw(binding_or_off("8000")))}
    for symbol in book:
        held = positions[symbol].quantity if symbol in positions else D(0)
        outside = quantize_down(draw(money("0", "3000")) / mids[symbol], 8)  # base the ledger does not hold
        free[BASES[symbol]] = str(quantize_down(held * draw(grid("0", "1.5", "1e-2")), 8) + outside)
    base = CheckContext(
        cycle_id=1,
        now_ms=NOW,
        market=market(NOW, {s: (str(bid), str(ask)) for s, (bid, ask) in book.items()}),
        account=account(NOW, free),
        working_orders=working,
        last_submit_ms={},
        rules={s: btctry_rules(symbol=s, base=BASES[s]) for s in book},
        safety=SAFE,
        unresolved_buy_notional_try=draw(money("0", "2000")),
    )
    every_symbol = st.just(sorted(book))
    ctx = PortfolioContext(
        base=base,
        positions=positions,
        universe=frozenset(
            draw(st.one_of(every_symbol, every_symbol, st.lists(st.sampled_from(sorted(book)))))
        ),
        drawdown_ratio=draw(grid("0", "0.03", "1e-3")),
        daily_loss_ratio=draw(grid("0", "0.03", "1e-3")),
        capital_scale=draw(st.one_of(st.just(ONE), grid("0", "2", "1e-2"))),
        trading_capital_try=draw(binding_or_off("15000")),
        mode=draw(st.sampled_from([RiskMode.NORMAL] * 3 + [RiskMode.REDUCE] * 2 + [RiskMode.OBSERVE] * 2)),
        mode_causes=("property",),
        size_multiplier=draw(st.sampled_from([ONE, D("0.75"), D("0.5"), D("0.25")])),
        volatility_halved=draw(st.booleans()),
    )
    intents = draw(intents_for(mids, positions, working))
    return Scenario(intents=intents, ctx=ctx, limits=draw(portfolio_limits()))


def notional(intent: SubmitIntent) -> D:
    return intent.price * intent.quantity


def mark(ctx: PortfolioContext, position: Position) -> D:
    quote = ctx.base.market.symbols.get(position.symbol)
    return (quote.bid + quote.ask) / 2 if quote is not None else position.average_cost


def open_buys(ctx: PortfolioContext) -> list[Order]:
    # Every working order counts, replaced or not: the cancel of a replaced one is not confirmed.
    return [o for o in ctx.base.working_orders if o.side is Side.BUY]


@st.composite
def pressed_scenarios(draw: st.DrawFn) -> Scenario:
    """Scenarios where only the caps, the balances and REDUCE restrain: the whole universe,
    no loss stop, loose order counts. The caps bind far more often here."""
    scenario = draw(scenarios())
    mode = draw(st.sampled_from([RiskMode.NORMAL, RiskMode.NORMAL, RiskMode.REDUCE]))
    ctx = replace(
        scenario.ctx,
        universe=frozenset(scenario.ctx.base.market.symbols),
        mode=mode,
        drawdown_ratio=D(0),
        daily_loss_ratio=D(0),
    )
    stage3 = replace(scenario.limits.stage3, max_orders_per_cycle=8, max_open_orders_per_symbol=12)
    limits = replace(scenario.limits, stage3=stage3, max_open_orders=20)
    return replace(scenario, ctx=ctx, limits=limits)


@settings(max_examples=300, deadline=None)
@given(scenarios())
def test_approved_actions_never_break_a_portfolio_limit(scenario: Scenario):
    _assert_every_limit_holds(scenario)


@settings(max_examples=300, deadline=None)
@given(pressed_scenarios())
def test_approved_actions_never_break_a_cap_when_caps_do_the_restraining(scenario: Scenario):
    _assert_every_limit_holds(scenario)


def _assert_every_limit_holds(scenario: Scenario) -> None:
    ctx, limits, s3 = scenario.ctx, scenario.limits, scenario.limits.stage3
    decisions = check_portfolio(scenario.intents, ctx, limits)
    assert len(decisions) == len(scenario.intents)
    mode = ctx.mode
    multiplier = min(max(ctx.size_multiplier, D(0)), ONE)  # a multiplier may shrink caps, never widen
    approved = _approved_submits(decisions)
    buys = [a for a in approved if a.side is Side.BUY]
    sells = [a for a in approved if a.side is Side.SELL]

    # cash reserve, with the fee allowance and unresolved buys
    spendable = ctx.base.account.free("TRY") - s3.cash_reserve_try - ctx.base.unresolved_buy_notional_try
    assert sum((notional(b) * (1 + s3.fee_allowance_ratio) for b in buys), D(0)) <= max(D(0), spendable)
    # notional per order (buys scaled, exits not) and per cycle
    assert all(notional(b) <= s3.max_notional_per_order_try * ctx.capital_scale * multiplier for b in buys)
    assert all(notional(s) <= s3.max_notional_per_order_try for s in sells)
    assert sum((notional(a) for a in approved), D(0)) <= s3.max_notional_per_cycle_try
    assert all(notional(a) >= ctx.base.rules[a.symbol].min_notional for a in approved)
    _assert_order_counts(ctx, limits, approved)
    _assert_position_and_exposure(ctx, limits, buys, multiplier)
    # trading capital bounds all buy notional committed
    if buys:
        committed = sum((o.price * o.remaining_quantity for o in open_buys(ctx)), D(0)) + sum(
            (p.quantity * p.average_cost for p in ctx.positions.values() if p.quantity > 0), D(0)
        )
        assert committed + sum((notional(b) for b in buys), D(0)) <= ctx.trading_capital_try
    # sells within the free base
    sold: Counter[str] = Counter()
    for s in sells:
        sold[ctx.base.rules[s.symbol].base] += s.quantity
    assert all(q <= ctx.base.account.free(base) for base, q in sold.items())
    _assert_stops_universe_and_profit(ctx, limits, buys, sells, mode)
    _assert_mode(ctx, approved, mode)
    for d in decisions:
        if d.verdict is Verdict.CAPPED:
            assert d.final_intent.quantity < d.intent.quantity


def _approved_submits(decisions: list[Decision]) -> list[SubmitIntent]:
    approved = []
    for d in decisions:
        if d.verdict is not Verdict.REJECTED and isinstance(d.final_intent, SubmitIntent):
            assert isinstance(d.intent, SubmitIntent)
            assert d.final_intent.quantity <= d.intent.quantity
            approved.append(d.final_intent)
    return approved


def _assert_order_counts(
    ctx: PortfolioContext, limits: PortfolioLimits, approved: list[SubmitIntent]
) -> None:
    working = ctx.base.working_orders
    assert len(approved) <= limits.stage3.max_orders_per_cycle
    if approved:
        assert len(working) + len(approved) <= limits.max_open_orders
    for symbol, approved_here in Counter(a.symbol for a in approved).items():
        working_here = sum(1 for o in working if o.symbol == symbol)
        assert working_here + approved_here <= limits.stage3.max_open_orders_per_symbol


def _assert_position_and_exposure(
    ctx: PortfolioContext, limits: PortfolioLimits, buys: list[SubmitIntent], multiplier: D
) -> None:
    position_cap = limits.max_position_notional_try * ctx.capital_scale * multiplier
    bought: defaultdict[str, D] = defaultdict(D)
    for b in buys:  # each buy is checked at its own price against everything before it
        bought[b.symbol] += b.quantity
        held = ctx.positions[b.symbol].quantity if b.symbol in ctx.positions else D(0)
        pending = sum((o.remaining_quantity for o in open_buys(ctx) if o.symbol == b.symbol), D(0))
        assert (held + pending + bought[b.symbol]) * b.price <= position_cap
    if buys:
        exposure = (
            sum((p.quantity * mark(ctx, p) for p in ctx.positions.values()), D(0))
            + sum((o.price * o.remaining_quantity for o in open_buys(ctx)), D(0))
            + sum((notional(b) for b in buys), D(0))
        )
        assert exposure <= limits.max_exposure_try * ctx.capital_scale * multiplier


def _assert_stops_universe_and_profit(
    ctx: PortfolioContext,
    limits: PortfolioLimits,
    buys: list[SubmitIntent],
    sells: list[SubmitIntent],
    mode: RiskMode,
) -> None:
    if (
        ctx.daily_loss_ratio >= limits.daily_loss_stop_ratio
        or ctx.drawdown_ratio >= limits.drawdown_stop_ratio
    ):
        assert not buys
    assert all(b.symbol in ctx.universe for b in buys)
    for s in sells:
        position = ctx.positions.get(s.symbol)
        assert s.symbol in ctx.universe or (position is not None and position.quantity > 0)
        if mode is RiskMode.NORMAL and position is not None and position.quantity > 0:
            floor = (
                position.average_cost
                * (1 + limits.min_profit_bps / 10_000)
                * (1 + limits.slippage_bps / 10_000)
            )
            assert s.price * (1 - limits.sell_fee_ratio) >= floor


def _assert_mode(ctx: PortfolioContext, approved: list[SubmitIntent], mode: RiskMode) -> None:
    if mode is RiskMode.OBSERVE:
        assert not approved
    if mode is RiskMode.REDUCE:
        assert all(a.side is Side.SELL for a in approved)
        for symbol in {a.symbol for a in approved}:
            offered = sum(
                (
                    o.remaining_quantity
                    for o in ctx.base.working_orders
                    if o.side is Side.SELL and o.symbol == symbol
                ),
                D(0),
            )
            offered += sum((a.quantity for a in approved if a.symbol == symbol), D(0))
            held = ctx.positions[symbol].quantity if symbol in ctx.positions else D(0)
            assert offered <= held
