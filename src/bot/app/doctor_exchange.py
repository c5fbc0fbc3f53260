"""`bot doctor`'s checks of the exchange, with reads only: its clock against ours, the configured
symbols and their rules, and (with keys) one signed read to show the keys are accepted.

One attempt per read with a short timeout: a doctor that waits out the daemon's retry budget on a
dead exchange helps nobody, and "unreachable" is itself the finding. A paper run over a replay
has no exchange to ask.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from bot.app.market_sources import ExchangeGuards, _credentials, btcturk_client
from bot.config import Settings
from bot.exchange.errors import AuthError, ExchangeError

if TYPE_CHECKING:
    from bot.app.doctor import Finding
    from bot.exchange.btcturk.sync_client import BtcturkClient

PROBE_TIMEOUT_S = 3.0


def exchange_findings(settings: Settings) -> list[Finding]:
    from bot.app.doctor import Finding

    trades_there = settings.exchange.adapter == "btcturk"
    if not trades_there and settings.market_data.source == "replay":
        return [Finding(name="exchange", status="skip", detail="paper over a replay: no exchange to ask")]
    probing = settings.model_copy(
        update={
            "exchange": settings.exchange.model_copy(
                update={"read_max_attempts": 1, "timeout_s": PROBE_TIMEOUT_S}
            )
        }
    )
    credentials = _credentials(settings) if trades_there else None
    client = btcturk_client(probing, ExchangeGuards.from_settings(probing), credentials)
    try:
        return [_clock(client, settings), _symbols(client, settings), _keys(client, settings, trades_there)]
    finally:
        client.close()


def _clock(client: BtcturkClient, settings: Settings) -> Finding:
    from bot.app.doctor import Finding

    limit = settings.exchange.max_clock_skew_ms
    try:
        offset = client.sync_clock()
    except ExchangeError as error:
        return _unreachable("exchange.clock", error)
    skewed = abs(offset) > limit
    return Finding(
        name="exchange.clock",
        runbook="runbooks/slo.md#exchange_clock" if skewed else None,
        status="warn" if skewed else "pass",
        value=offset,
        threshold=limit,
        unit="ms",
        detail="the exchange's clock minus ours"
        + (
            "" if abs(offset) <= limit else "; stamps are corrected by it, but fix the host's time sync (NTP)"
        ),
    )


def _symbols(client: BtcturkClient, settings: Settings) -> Finding:
    from bot.app.doctor import Finding

    try:
        rules = client.pair_rules()
    except ExchangeError as error:
        return _unreachable("exchange.symbols", error)
    wanted = settings.universe.symbols
    missing = [s for s in wanted if s not in rules]
    halted = [s for s in wanted if s in rules and not rules[s].trading]
    if missing or halted:
        parts = [
            f"not listed: {', '.join(missing)}" if missing else "",
            f"not trading: {', '.join(halted)}" if halted else "",
        ]
        return Finding(
            name="exchange.symbols",
            status="fail",
            value=len(missing) + len(halted),
            detail="; ".join(p for p in parts if p) + " (universe.symbols)",
        )
    return Finding(
        name="exchange.symbols",
        status="pass",
        value=len(wanted),
        detail=f"{', '.join(wanted)} listed and trading, with their price and quantity rules",
    )


def _keys(client: BtcturkClient, settings: Settings, trades_there: bool) -> Finding:
    from bot.app.doctor import Finding

    if not trades_there:
        return Finding(name="exchange.keys", status="skip", detail="a paper account: no keys needed")
    if _credentials(settings) is None:
        return Finding(
            name="exchange.keys",
            status="fail",
            detail="no API key and secret configured (exchange.api_key_file / BOT_EXCHANGE__API_KEY)",
            runbook="runbooks/going-live.md",
        )
    try:
        balances = client.balances()
    except AuthError as error:
        return Finding(
            name="exchange.keys", status="fail", detail=f"refused: {error}", runbook="runbooks/going-live.md"
        )
    except ExchangeError as error:
        return _unreachable("exchange.keys", error)
    return Finding(
        name="exchange.keys", status="pass", detail=f"accepted: a signed read of {len(balances)} balances"
    )


def _unreachable(name: str, error: ExchangeError) -> Finding:
    from bot.app.doctor import Finding

    return Finding(name=name, status="fail", detail=f"exchange unreachable or failing: {error}")
