"""Finding an order on the exchange by its client order id (BTCTurk has no direct lookup)."""

from __future__ import annotations

from bot.domain.orders import ExchangeOrder
from bot.exchange.gateway import ExchangeGateway

# Orders are looked for from a little before their write-ahead time: clocks differ.
LOOKUP_SLACK_MS = 60_000


def find_by_client_id(
    gateway: ExchangeGateway, *, symbol: str, client_order_id: str, created_ms: int
) -> ExchangeOrder | None:
    """Open orders first (cheap, current), then all orders since the order was written ahead."""
    for order in gateway.open_orders(symbol):
        if order.client_order_id == client_order_id:
            return order
    for order in gateway.all_orders(symbol, since_ms=created_ms - LOOKUP_SLACK_MS):
        if order.client_order_id == client_order_id:
            return order
    return None


def find_by_exchange_id(
    gateway: ExchangeGateway, *, symbol: str, exchange_order_id: str, created_ms: int
) -> ExchangeOrder | None:
    for order in gateway.all_orders(symbol, since_ms=created_ms - LOOKUP_SLACK_MS):
        if order.exchange_order_id == exchange_order_id:
            return order
    return None
