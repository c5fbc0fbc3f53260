"""Wire objects built from engine and dataset values, field types per protocol §2.1."""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal

from bot.domain.account import Balance
from bot.domain.dataset import MarketRow
from bot.domain.money import ZERO, exact_product
from bot.domain.orders import OrderStatus, Side
from bot.domain.symbols import PairRules
from bot.exchange.matching import EngineOrder, EngineTrade
from bot.sim.wire import text

_STATUS = {
    OrderStatus.OPEN: "Untouched",
    OrderStatus.PARTIALLY_FILLED: "Partial",
    OrderStatus.FILLED: "Closed",
    OrderStatus.CANCELED: "Canceled",
}
PERCENT_QUANTUM = Decimal("0.01")


def normalized(rules: PairRules) -> str:
    return f"{rules.base}_{rules.quote}"


def ticker_item(rules: PairRules, window: Sequence[MarketRow], ts_ms: int, order: int) -> dict[str, object]:
    """§5.3: every numeric field a JSON number. Statistics over `window` (24 h, current row last)."""
    current = window[-1]
    volume = sum((r.volume for r in window), ZERO)
    turnover = sum((exact_product(r.last, r.volume) for r in window), ZERO)
    average = (turnover / volume) if volume > 0 else current.last
    opening = window[0].last
    daily = current.last - opening
    percent = (daily * 100 / opening).quantize(PERCENT_QUANTUM) if opening > 0 else ZERO
    return {
        "pair": rules.symbol,
        "pairNormalized": normalized(rules),
        "timestamp": ts_ms,
        "last": current.last,
        "high": max(r.last for r in window),
        "low": min(r.last for r in window),
        "bid": current.bid,
        "ask": current.ask,
        "open": opening,
        "volume": volume,
        "average": average.quantize(Decimal(1).scaleb(-(rules.price_scale + 2))),
        "daily": daily,
        "dailyPercent": percent,
        "denominatorSymbol": rules.quote,
        "numeratorSymbol": rules.base,
        "order": order,
    }


def symbol_info(rules: PairRules, pair_id: int) -> dict[str, object]:
    """§5.2: one exchangeinfo symbol with its PRICE_FILTER."""
    return {
        "id": pair_id,
        "name": rules.symbol,
        "nameNormalized": normalized(rules),
        "status": "TRADING" if rules.trading else "HALT",
        "numerator": rules.base,
        "denominator": rules.quote,
        "numeratorScale": rules.quantity_scale,
        "denominatorScale": rules.price_scale,
        "hasFraction": rules.price_scale > 0,
        "filters": [
            {
                "filterType": "PRICE_FILTER",
                "minPrice": text(rules.min_price),
                "maxPrice": text(rules.max_price),
                "tickSize": text(rules.tick_size),
                "minExchangeValue": text(rules.min_notional),
                "minAmount": None,
                "maxAmount": None,
            }
        ],
        "orderMethods": ["LIMIT"],
        "displayFormat": "#,###",
        "commissionFromNumerator": False,
        "order": 1000 + pair_id,
        "priceRounding": False,
        "isNew": False,
        "marketPriceWarningThresholdPercentage": Decimal("0.25"),
        "maximumOrderAmount": None,
        "maximumLimitOrderPrice": rules.max_price,
        "minimumLimitOrderPrice": rules.min_price,
    }


def order_object(order: EngineOrder, rules: PairRules, *, time_zero: bool) -> dict[str, object]:
    """§6.2/§6.5: ids and times are numbers, amounts strings."""
    return {
        "id": order.order_id,
        "price": text(order.price),
        "amount": text(order.quantity),
        "quantity": text(order.quantity),
        "stopPrice": "0",
        "pairSymbol": rules.symbol,
        "pairSymbolNormalized": normalized(rules),
        "type": order.side.value,
        "method": "limit",
        "orderClientId": order.client_order_id or "",
        "time": 0 if time_zero else order.created_ms,
        "updateTime": order.updated_ms,
        "status": _STATUS[order.status],
        "leftAmount": text(order.remaining_quantity),
    }


def submit_data(order: EngineOrder, rules: PairRules) -> dict[str, object]:
    """§6.3 response data: id and datetime numbers, price/stopPrice/quantity strings."""
    return {
        "id": order.order_id,
        "datetime": order.created_ms,
        "type": order.side.value,
        "method": "limit",
        "price": text(order.price),
        "stopPrice": "0",
        "quantity": text(order.quantity),
        "pairSymbol": rules.symbol,
        "pairSymbolNormalized": normalized(rules),
        "newOrderClientId": order.client_order_id or "",
    }


def user_trade_item(trade: EngineTrade, rules: PairRules) -> dict[str, object]:
    """§6.7: amount negative for sells, fee and tax negative; those as strings, ids/times numbers."""
    amount = -trade.quantity if trade.side is Side.SELL else trade.quantity
    return {
        "price": text(trade.price),
        "numeratorSymbol": rules.base,
        "denominatorSymbol": rules.quote,
        "orderType": trade.side.value,
        "orderId": trade.order_id,
        "id": trade.trade_id,
        "timestamp": trade.ts_ms,
        "amount": text(amount),
        "fee": text(-trade.fee),
        "tax": text(-trade.tax),
        "preciseAmount": amount,
        "orderClientId": trade.client_order_id or "",
    }


def balance_item(balance: Balance, precision: int, ts_ms: int) -> dict[str, object]:
    """§6.1: amounts strings, precision and timestamp numbers."""
    return {
        "asset": balance.asset,
        "assetname": balance.asset,
        "balance": text(balance.total),
        "locked": text(balance.locked),
        "free": text(balance.free),
        "orderFund": text(balance.locked),
        "requestFund": "0",
        "precision": precision,
        "timestamp": ts_ms,
    }


def public_trade_item(rules: PairRules, row: MarketRow, ts_ms: int) -> dict[str, object]:
    """§5.5: one synthetic trade per dataset step (its last price and step volume)."""
    side = "buy" if row.last >= row.ask else "sell"
    return {
        "pair": rules.symbol,
        "pairNormalized": normalized(rules),
        "numerator": rules.base,
        "denominator": rules.quote,
        "date": ts_ms,
        "tid": str(row.ts_ms),
        "price": text(row.last),
        "amount": text(row.volume),
        "side": side,
    }
