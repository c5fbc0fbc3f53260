"""The ExchangeGateway contract, run against every implementation (see conftest VENUES)."""

from __future__ import annotations

from decimal import Decimal

import pytest

from bot.domain.orders import OrderStatus, Side, SubmitOrder
from bot.exchange.errors import AuthError, Rejected, UncertainOutcome
from bot.execution.lookup import find_by_client_id

SYMBOL = "BTCTRY"


def resting_buy(venue, client_order_id: str, quantity: str = "0.001") -> SubmitOrder:
    bid = venue.gateway.ticker(SYMBOL).bid
    return SubmitOrder(
        client_order_id=client_order_id,
        symbol=SYMBOL,
        side=Side.BUY,
        price=(bid * Decimal("0.9")).quantize(Decimal(1)),
        quantity=Decimal(quantity),
    )


def test_market_data_and_rules_have_the_domain_shape(venue):
    rules = venue.gateway.pair_rules()[SYMBOL]
    assert (rules.base, rules.quote) == ("BTC", "TRY")
    assert rules.min_notional > 0
    ticker = venue.gateway.ticker(SYMBOL)
    assert 0 < ticker.bid < ticker.ask
    book = venue.gateway.order_book(SYMBOL, 5)
    assert [level.price for level in book.bids] == sorted((level.price for level in book.bids), reverse=True)
    assert [level.price for level in book.asks] == sorted(level.price for level in book.asks)
    assert book.bids[0].price < book.asks[0].price


def test_opening_balances(venue):
    balances = venue.gateway.balances()
    assert balances["TRY"].total == Decimal("50000")
    assert balances["TRY"].free == Decimal("50000")


def test_a_resting_order_is_listed_with_its_client_id_and_can_be_canceled(venue):
    ack = venue.gateway.submit_order(resting_buy(venue, "conf-1"))
    listed = {o.exchange_order_id: o for o in venue.gateway.open_orders(SYMBOL)}
    assert listed[ack.exchange_order_id].client_order_id == "conf-1"
    assert listed[ack.exchange_order_id].status is OrderStatus.OPEN
    assert venue.gateway.balances()["TRY"].locked > 0
    venue.gateway.cancel_order(ack.exchange_order_id)
    assert ack.exchange_order_id not in {o.exchange_order_id for o in venue.gateway.open_orders(SYMBOL)}
    history = {o.exchange_order_id: o for o in venue.gateway.all_orders(SYMBOL)}
    assert history[ack.exchange_order_id].status is OrderStatus.CANCELED
    assert venue.gateway.balances()["TRY"].locked == 0


def test_below_minimum_notional_is_a_rejection_with_the_exchange_code(venue):
    with pytest.raises(Rejected) as refused:
        venue.gateway.submit_order(resting_buy(venue, "conf-2", quantity="0.00001"))
    assert (refused.value.code, refused.value.token) == (1123, "FAILED_MIN_TOTAL_AMOUNT")


def test_insufficient_balance_is_a_rejection(venue):
    with pytest.raises(Rejected) as refused:
        venue.gateway.submit_order(resting_buy(venue, "conf-3", quantity="1"))
    assert refused.value.code == 1122


def test_a_crossing_buy_fills_and_the_fill_is_reported(venue):
    ask = venue.gateway.ticker(SYMBOL).ask
    order = SubmitOrder(
        client_order_id="conf-4", symbol=SYMBOL, side=Side.BUY, price=ask, quantity=Decimal("0.001")
    )
    ack = venue.gateway.submit_order(order)
    fills = [f for f in venue.gateway.user_trades(0) if f.exchange_order_id == ack.exchange_order_id]
    assert fills
    assert all(f.quantity > 0 and f.fee > 0 and f.fee_asset == "TRY" and f.side is Side.BUY for f in fills)
    assert sum(f.quantity for f in fills) == Decimal("0.001")


def test_an_accepted_order_whose_response_was_lost_is_found_by_client_id(venue):
    twin = venue.lost_response_twin()
    order = resting_buy(venue, "conf-5")
    with pytest.raises(UncertainOutcome):
        twin.submit_order(order)
    found = find_by_client_id(venue.gateway, symbol=SYMBOL, client_order_id="conf-5", created_ms=0)
    assert found is not None
    assert found.status is OrderStatus.OPEN
    assert [o.client_order_id for o in venue.gateway.open_orders(SYMBOL)].count("conf-5") == 1


def test_wrong_credentials_are_an_auth_error(venue):
    if venue.wrong_secret_twin is None:
        pytest.skip("this gateway has no credentials to get wrong")
    with pytest.raises(AuthError):
        venue.wrong_secret_twin().balances()
