"""The exchange as the data commands (`bot replay-download`, `bot replay-capture`) read it: a
public client on the configured URLs, the rules of the pairs asked for, and its failures as one
line naming the URL and what to check."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING

from bot.app.errors import CommandError, CommandFailed
from bot.app.market_sources import ExchangeGuards, btcturk_client
from bot.config import Settings
from bot.domain.symbols import PairRules
from bot.exchange.errors import ExchangeError

if TYPE_CHECKING:
    from bot.exchange.btcturk.sync_client import BtcturkClient

LISTED_SHOWN = 8  # symbols named when one asked for is not listed


def public_client(settings: Settings) -> BtcturkClient:
    """A keyless client on `exchange.base_url` and `exchange.graph_base_url`, with the settings'
    retries and rate budget: these commands only read market data."""
    return btcturk_client(settings, ExchangeGuards.from_settings(settings), None)


def unreachable(error: ExchangeError, url: str, setting: str) -> CommandFailed:
    return CommandFailed(
        f"the exchange at {url} did not answer usably ({error}); check {setting} (--set {setting}=URL)"
        " and the network, or run `bot doctor`"
    )


def pair_rules_of(client: BtcturkClient, settings: Settings, symbols: Sequence[str]) -> dict[str, PairRules]:
    """The exchange's rules (exchangeinfo, §5.2) for each of `symbols`. Raises CommandFailed when the
    exchange cannot be read, CommandError naming the symbols it does not list."""
    try:
        listed: Mapping[str, PairRules] = client.pair_rules()
    except ExchangeError as error:
        raise unreachable(error, settings.exchange.base_url, "exchange.base_url") from error
    unknown = [symbol for symbol in symbols if symbol not in listed]
    if unknown:
        names = sorted(listed)
        shown = ", ".join(names[:LISTED_SHOWN]) + (
            f", ... ({len(names)} in all)" if len(names) > LISTED_SHOWN else ""
        )
        raise CommandError(
            f"--symbols: {', '.join(unknown)} not listed by the exchange at {settings.exchange.base_url};"
            f" it lists {shown or 'nothing'}"
        )
    return {symbol: listed[symbol] for symbol in symbols}


def parse_symbols(text: str) -> tuple[str, ...]:
    """`btctry, ETHTRY` -> ('BTCTRY', 'ETHTRY'), in order, each once. Raises CommandError when empty."""
    symbols = tuple(dict.fromkeys(part.strip().upper() for part in text.split(",") if part.strip()))
    if not symbols:
        raise CommandError("--symbols: name at least one pair, e.g. --symbols BTCTRY,ETHTRY")
    return symbols
