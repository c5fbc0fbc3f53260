"""Whatever valid fills the ledger holds, the books conserve money to the last digit.

A valid sequence never sells more than is held. Prices, quantities and fees have the scales real
pairs use (a six-figure BTC price with 8-decimal quantities, a cent-priced ETH, a sub-kuruş token
traded in whole units), so averages round and the books must still balance exactly.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from decimal import ROUND_FLOOR, Decimal

from accounting_builders import EXACT, QUOTE, D, exact_product, exact_sum, fill, pair
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.accounting import Books, Valuation, build_books, value
from bot.domain.account import Position
from bot.domain.orders import Fill, Side
from bot.domain.symbols import PairRules


@dataclass(frozen=True)
class Market:
    rules: PairRules
    prices: st.SearchStrategy[Decimal]
    quantities: st.SearchStrategy[Decimal]


def _decimals(low: str, high: str, places: int) -> st.SearchStrategy[Decimal]:
    return st.decimals(min_value=D(low), max_value=D(high), places=places, allow_nan=False)


MARKETS = (
    Market(
        rules=pair("BTC", quantity_scale=8, price_scale=0),
        prices=_decimals("100000", "5000000", 0),
        quantities=_decimals("0.00000001", "2", 8),
    ),
    Market(
        rules=pair("ETH", quantity_scale=4, price_scale=2),
        prices=_decimals("1", "200000", 2),
        quantities=_decimals("0.0001", "50", 4),
    ),
    Market(
        rules=pair("SHIB", quantity_scale=0, price_scale=8),
        prices=_decimals("0.00000001", "0.01", 8),
        quantities=_decimals("1", "1000000000", 0),
    ),
)


@dataclass(frozen=True)
class Scenario:
    pairs: Mapping[str, PairRules]
    opening_balances: Mapping[str, Decimal]
    opening_prices: Mapping[str, Decimal]
    fills: list[Fill]
    marks: Mapping[str, Decimal]


def _fee(notional: Decimal, bps: int) -> Decimal:
    return exact_product(notional, D(bps).scaleb(-4)).quantize(D("1E-8"), rounding=ROUND_FLOOR)


@st.composite
def scenarios(draw: st.DrawFn, *, fees_in_quote_only: bool = True) -> Scenario:
    markets = draw(st.lists(st.sampled_from(MARKETS), min_size=1, max_size=2, unique=True))
    opening = {QUOTE: draw(_decimals("0", "10000000", 2))}
    held: dict[str, Decimal] = {}
    opening_prices: dict[str, Decimal] = {}
    for market in markets:
        rules = market.rules
        held[rules.symbol] = draw(st.just(D(0)) | market.quantities)
        opening[rules.base] = held[rules.symbol]
        price = draw(st.none() | market.prices)  # None: an opening holding without a price
        if price is not None:
            opening_prices[rules.symbol] = price
    fee_assets = [QUOTE] if fees_in_quote_only else [QUOTE, *(m.rules.base for m in markets)]
    fills = []
    for _ in range(draw(st.integers(min_value=0, max_value=12))):
        market = draw(st.sampled_from(markets))
        symbol = market.rules.symbol
        side = draw(st.sampled_from(Side)) if held[symbol] > 0 else Side.BUY
        if side is Side.BUY:
            quantity = draw(market.quantities)
            held[symbol] = EXACT.add(held[symbol], quantity)
        else:
            scale = market.rules.quantity_scale
            quantity = draw(_decimals(str(D(1).scaleb(-scale)), str(held[symbol]), scale))
            held[symbol] = EXACT.subtract(held[symbol], quantity)
        price = draw(market.prices)
        notional = exact_product(price, quantity)
        fee_asset = draw(st.sampled_from(fee_assets))
        if fee_asset == QUOTE:
            fee, tax = _fee(notional, draw(st.integers(0, 50))), _fee(notional, draw(st.integers(0, 10)))
        else:
            fee, tax = draw(_decimals("0", "0.01", 8)), D(0)
        fills.append(fill(symbol, side, price, quantity, fee=fee, tax=tax, fee_asset=fee_asset))
    marks = {m.rules.symbol: draw(m.prices) for m in markets}
    return Scenario(
        pairs={m.rules.symbol: m.rules for m in markets},
        opening_balances=opening,
        opening_prices=opening_prices,
        fills=fills,
        marks=marks,
    )


def _books(scenario: Scenario) -> Books:
    return build_books(
        opening_balances=scenario.opening_balances,
        fills=scenario.fills,
        pairs=scenario.pairs,
        quote_asset=QUOTE,
        opening_prices=scenario.opening_prices,
    )


def _pnl_identity_rhs(scenario: Scenario, valuation: Valuation) -> Decimal:
    """opening equity at the marks + realised + unrealised - the opening holdings' unrealised."""
    opening_equity = exact_sum(
        [
            scenario.opening_balances[QUOTE],
            *(
                exact_product(scenario.opening_balances[rules.base], scenario.marks[symbol])
                for symbol, rules in scenario.pairs.items()
            ),
        ]
    )
    opening_unrealized = exact_sum(
        exact_product(
            scenario.opening_balances[rules.base],
            EXACT.subtract(scenario.marks[symbol], scenario.opening_prices.get(symbol, D(0))),
        )
        for symbol, rules in scenario.pairs.items()
    )
    gains = exact_sum([opening_equity, valuation.realized_pnl, valuation.unrealized_pnl_total])
    return EXACT.subtract(gains, opening_unrealized)


@settings(max_examples=200, deadline=None)
@given(scenarios())
def test_equity_is_opening_equity_plus_pnl_to_the_last_digit(scenario: Scenario) -> None:
    books = _books(scenario)
    valuation = value(books, scenario.marks)

    assert valuation.missing_marks == ()
    assert valuation.equity == _pnl_identity_rhs(scenario, valuation)


@settings(max_examples=200, deadline=None)
@given(scenarios())
def test_quote_cash_is_opening_plus_sells_less_buys_less_fees(scenario: Scenario) -> None:
    books = _books(scenario)

    sells = exact_sum(exact_product(f.price, f.quantity) for f in scenario.fills if f.side is Side.SELL)
    buys = exact_sum(exact_product(f.price, f.quantity) for f in scenario.fills if f.side is Side.BUY)
    fees = exact_sum(EXACT.add(f.fee, f.tax) for f in scenario.fills)
    expected = EXACT.subtract(EXACT.add(scenario.opening_balances[QUOTE], sells), EXACT.add(buys, fees))
    assert books.cash[QUOTE] == expected


@settings(max_examples=200, deadline=None)
@given(scenarios())
def test_positions_hold_what_the_base_balances_hold(scenario: Scenario) -> None:
    books = _books(scenario)

    for symbol, rules in scenario.pairs.items():
        position = books.positions.get(symbol, Position(symbol=symbol))
        assert position.quantity == books.cash.get(rules.base, D(0))
        assert position.quantity >= 0


@settings(max_examples=200, deadline=None)
@given(scenarios(fees_in_quote_only=False))
def test_fees_in_other_assets_are_conserved_or_reported(scenario: Scenario) -> None:
    """A fee in the fill's base asset is a cost at the trade's price, so equity (which values the
    base cash at the mark) differs from PnL by the fee times the move since; a fee in any other
    asset is reported, and equity differs from PnL by exactly its value."""
    books = _books(scenario)
    valuation = value(books, scenario.marks)

    base_fee_moves = exact_sum(
        exact_product(EXACT.add(f.fee, f.tax), EXACT.subtract(scenario.marks[f.symbol], f.price))
        for f in scenario.fills
        if f.fee_asset == scenario.pairs[f.symbol].base
    )
    third = [f for f in scenario.fills if f.fee_asset not in (QUOTE, scenario.pairs[f.symbol].base)]
    expected_unconverted: dict[str, Decimal] = {}
    for f in third:
        expected_unconverted[f.fee_asset] = EXACT.add(expected_unconverted.get(f.fee_asset, D(0)), f.fee)
    unreported = exact_sum(
        exact_product(amount, scenario.marks[books.symbol_of(asset)])
        for asset, amount in books.unconverted_fees.items()
    )
    assert books.unconverted_fees == {a: v for a, v in expected_unconverted.items() if v != 0}
    assert valuation.equity == EXACT.subtract(
        _pnl_identity_rhs(scenario, valuation), EXACT.add(unreported, base_fee_moves)
    )
