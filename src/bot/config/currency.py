"""The account's currency: every money setting (the `_try` keys, typed `QuoteAmount`) is an amount
of `capital.quote_asset`, so the pairs traded must be quoted in it and a paper account must start
with some of it.

`currency_problems` are errors: the settings cannot trade as written; each is one line naming
every key to change. `seed_cautions` are warnings: the settings run, but a limit above the paper
account's whole seed can never bind (an amount written for another currency, most likely).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from decimal import Decimal
from typing import Protocol

from bot.config.portfolio_schema import SelectionSettings
from bot.config.sections import CapitalSettings, ExchangeSettings, PaperSettings, UniverseSettings
from bot.domain.symbols import known_quote

# Amounts that size or cap what the account spends: above the seed's quote balance they never bind.
SPENDING_LIMITS = (
    "strategy.entry_notional_try",
    "risk.max_notional_per_order_try",
    "portfolio_risk.max_position_notional_try",
    "self_financing.seed_capital_try",
)


class Settings(Protocol):
    """The keys these rules read by name; amounts are read by dotted key (`amount`)."""

    @property
    def exchange(self) -> ExchangeSettings: ...
    @property
    def universe(self) -> UniverseSettings: ...
    @property
    def capital(self) -> CapitalSettings: ...
    @property
    def paper(self) -> PaperSettings: ...
    @property
    def selection(self) -> SelectionSettings: ...


def amount(settings: object, dotted: str) -> Decimal:
    """The value of a money key such as `risk.max_notional_per_order_try`."""
    value: object = settings
    for part in dotted.split("."):
        value = getattr(value, part)
    assert isinstance(value, Decimal), dotted
    return value


def quoted_in(symbol: str, quote: str) -> bool:
    return symbol.endswith(quote) and len(symbol) > len(quote)


def currency_problems(s: Settings, money_keys: Sequence[str]) -> list[str]:
    """Pairs quoted in another currency than capital.quote_asset, a paper seed holding none of it,
    a cash reserve that leaves none of it to trade."""
    quote = s.capital.quote_asset
    elsewhere = {sym: known_quote(sym) for sym in s.universe.symbols if not quoted_in(sym, quote)}
    if elsewhere:
        return [_quoted_elsewhere(s, elsewhere, money_keys)]
    out = []
    fallback = [sym for sym in s.selection.fallback if not quoted_in(sym, quote)]
    if fallback:
        out.append(
            f"selection.fallback {', '.join(fallback)} is not quoted in capital.quote_asset ({quote}), as"
            f" universe.symbols are: list some of {', '.join(s.universe.symbols)} there"
        )
    if s.exchange.adapter != "paper":
        return out
    held = s.paper.seed_balances.get(quote, Decimal(0))
    reserve = s.capital.cash_reserve_try
    if held <= 0:
        out.append(
            f"paper.seed_balances holds no {quote}, the capital.quote_asset universe.symbols are quoted"
            f' in: add it (--set paper.seed_balances={quote}=100000, or {quote} = "100000" under'
            " [paper.seed_balances])"
        )
    elif reserve >= held:
        out.append(
            f"capital.cash_reserve_try ({reserve} {quote}) is at least the paper account's seed"
            f" (paper.seed_balances {quote} = {held}): the reserve leaves nothing to trade; lower it"
            f" below {held} or raise the seed"
        )
    return out


def _quoted_elsewhere(s: Settings, elsewhere: Mapping[str, str | None], money_keys: Sequence[str]) -> str:
    quote = s.capital.quote_asset
    others = set(elsewhere.values())
    if len(elsewhere) < len(s.universe.symbols) or len(others) > 1 or None in others:
        described = "; ".join(
            f"{sym} is quoted in {q}" if q else f"{sym} does not end with {quote}"
            for sym, q in elsewhere.items()
        )
        return (
            f"universe.symbols: {described}; a run trades in capital.quote_asset ({quote}) only: list"
            f" pairs quoted in {quote} (like 'BTC{quote}'), or set capital.quote_asset to the currency"
            " they are quoted in, with paper.seed_balances and the money settings in it"
        )
    other = next(iter(others))
    assert other is not None
    listed = ", ".join(elsewhere)
    head = f"universe.symbols {listed} {'is' if len(elsewhere) == 1 else 'are'} quoted in {other}"
    head += f" but capital.quote_asset is {quote}"
    fixes = [f"capital.quote_asset={other}"]
    if s.exchange.adapter == "paper" and s.paper.seed_balances.get(other, Decimal(0)) <= 0:
        head += f" and paper.seed_balances holds no {other}"
        fixes.append(f"paper.seed_balances={other}=<amount>")
    if any(not quoted_in(sym, other) for sym in s.selection.fallback):
        fixes.append(f"selection.fallback={s.universe.symbols[0]}")
    amounts = ", ".join(f"{key} ({amount(s, key)})" for key in money_keys if amount(s, key) > 0)
    return f"{head}: set {', '.join(fixes)} and re-state in {other} the amounts written in {quote}: {amounts}"


def seed_cautions(s: Settings) -> list[str]:
    """A paper account whose spending limits exceed its whole seed of the quote currency."""
    quote = s.capital.quote_asset
    held = s.paper.seed_balances.get(quote, Decimal(0))
    if s.exchange.adapter != "paper" or held <= 0:
        return []  # no seed to compare with, or an error already (currency_problems)
    above = [f"{key} ({amount(s, key)} {quote})" for key in SPENDING_LIMITS if amount(s, key) > held]
    if not above:
        return []
    return [
        f"{', '.join(above)} {'is' if len(above) == 1 else 'are'} above the paper account's whole seed"
        f" of {held} {quote} (paper.seed_balances): a limit above the seed never binds; every money"
        f" setting is an amount of capital.quote_asset ({quote}): was it written for another currency?"
    ]
