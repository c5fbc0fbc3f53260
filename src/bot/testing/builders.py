"""Builders for snapshots and rules, so tests state only what matters to them."""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal

from bot.domain.account import AccountSnapshot, Balance
from bot.domain.market import MarketSnapshot, SymbolMarket
from bot.domain.symbols import PairRules

D = Decimal


def btctry_rules(**overrides: object) -> PairRules:
    fields: dict[str, object] = {
        "symbol": "BTCTRY",
        "base": "BTC",
        "quote": "TRY",
        "quantity_scale": 8,
        "price_scale": 0,
        "tick_size": D("1"),
        "min_notional": D("99.91"),
        "min_price": D("1000"),
        "max_price": D("100000000"),
    }
    fields.update(overrides)
    return PairRules(**fields)  # type: ignore[arg-type]


def market(
    now_ms: int,
    quotes: Mapping[str, tuple[str, str]],
    age_ms: int = 0,
    errors: Mapping[str, str] | None = None,
) -> MarketSnapshot:
    """quotes: symbol -> (bid, ask) as decimal strings."""
    return MarketSnapshot(
        ts_ms=now_ms,
        symbols={
            symbol: SymbolMarket(symbol=symbol, bid=D(bid), ask=D(ask), last=D(ask), ts_ms=now_ms - age_ms)
            for symbol, (bid, ask) in quotes.items()
        },
        errors=dict(errors or {}),
    )


def account(now_ms: int, free: Mapping[str, str], locked: Mapping[str, str] | None = None) -> AccountSnapshot:
    locked = locked or {}
    balances = {}
    for asset, amount in free.items():
        lock = D(locked.get(asset, "0"))
        balances[asset] = Balance(asset=asset, total=D(amount) + lock, free=D(amount), locked=lock)
    return AccountSnapshot(ts_ms=now_ms, balances=balances)
