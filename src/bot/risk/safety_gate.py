"""The safety gate: the first layer every intent passes, in every stage.

Blocks side effects when the operator or the situation says so: dry-run, kill switch, a live
run that is not armed, stale or missing market data, a symbol frozen by an unknown order, a
ledger whose balances drifted from the exchange's, an account not read this cycle, a foreign
order under the `halt` policy.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from bot.domain.decisions import ReasonCode
from bot.domain.intents import IntentKind, OrderIntent
from bot.domain.market import MarketSnapshot


@dataclass(frozen=True, slots=True, kw_only=True)
class SafetyState:
    live: bool
    live_armed: bool
    dry_run: bool
    kill_switch: bool
    max_data_age_ms: int
    frozen_symbols: frozenset[str] = frozenset()
    exchange_degraded: bool = False
    balance_drift: bool = False  # ledger and exchange balances disagree beyond tolerance
    foreign_orders_halt: bool = False  # reconcile.foreign_orders = "halt" and one is open
    # False on a cycle that reused the last read of balances, open orders and fills because the
    # exchange's rate limits allow no new one yet (`exchange.account_reads = "paced"`).
    account_fresh: bool = True


@dataclass(frozen=True, slots=True)
class GateRefusal:
    reason: ReasonCode
    details: Mapping[str, str]


def gate(intent: OrderIntent, state: SafetyState, market: MarketSnapshot, now_ms: int) -> GateRefusal | None:
    """None when the intent may proceed to the next layer.

    Cancels reduce risk, so only dry-run and an unarmed live run stop them.
    """
    if state.dry_run:
        return GateRefusal(ReasonCode.DRY_RUN, {"hint": "safety.dry_run is true"})
    if state.live and not state.live_armed:
        return GateRefusal(ReasonCode.LIVE_NOT_ARMED, {"hint": "live run is not armed"})
    if intent.kind is IntentKind.CANCEL:
        return None
    if state.kill_switch:
        return GateRefusal(ReasonCode.KILL_SWITCH_ACTIVE, {"hint": "kill switch is on"})
    if state.exchange_degraded:
        return GateRefusal(ReasonCode.EXCHANGE_DEGRADED, {"hint": "repeated exchange failures; probing"})
    if state.balance_drift:
        return GateRefusal(
            ReasonCode.BALANCE_DRIFT, {"hint": "ledger and exchange balances disagree; see `bot ledger show`"}
        )
    if not state.account_fresh:
        return GateRefusal(
            ReasonCode.ACCOUNT_NOT_FRESH,
            {"hint": "this cycle reused the last account read (rate limits); submits wait for a fresh one"},
        )
    if state.foreign_orders_halt:
        return GateRefusal(
            ReasonCode.FOREIGN_ORDER_OPEN,
            {"hint": 'an order this ledger did not place is open; reconcile.foreign_orders = "halt"'},
        )
    if intent.symbol in state.frozen_symbols:
        return GateRefusal(ReasonCode.SYMBOL_FROZEN, {"hint": "an order on this symbol is unresolved"})
    symbol_market = market.symbols.get(intent.symbol)
    if symbol_market is None:
        return GateRefusal(
            ReasonCode.MARKET_DATA_MISSING, {"error": market.errors.get(intent.symbol, "no data")}
        )
    age_ms = market.age_ms(intent.symbol, now_ms)
    if age_ms > state.max_data_age_ms:
        return GateRefusal(
            ReasonCode.MARKET_DATA_STALE, {"age_ms": str(age_ms), "max_age_ms": str(state.max_data_age_ms)}
        )
    return None
