"""The BTCTurk adapter: wire schemas, auth, sans-IO request building and response parsing, clients.

`requests` builds `WireRequest`s, `responses` turns (status, headers, body) into domain values or
classified errors, `policy` decides retries and what a failure means, `rate_limit` and `breaker`
guard the exchange, and `engine` + `operations` run all of it as sans-IO flows; the sync and async
clients only move bytes and sleep.

The names below are loaded on first use, not with the package: a paper run imports
`breaker` and `rate_limit` and must not pay for httpx, pydantic and asyncio by doing so.
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from bot.exchange.btcturk.async_client import AsyncBtcturkClient
    from bot.exchange.btcturk.auth import Credentials, StampSource, auth_headers, sign
    from bot.exchange.btcturk.breaker import CircuitBreaker
    from bot.exchange.btcturk.policy import RetryPolicy
    from bot.exchange.btcturk.rate_limit import RateLimiter, RateLimits, WindowRule
    from bot.exchange.btcturk.sync_client import BtcturkClient

_HOMES = {
    "AsyncBtcturkClient": "async_client",
    "BtcturkClient": "sync_client",
    "CircuitBreaker": "breaker",
    "Credentials": "auth",
    "RateLimiter": "rate_limit",
    "RateLimits": "rate_limit",
    "RetryPolicy": "policy",
    "StampSource": "auth",
    "WindowRule": "rate_limit",
    "auth_headers": "auth",
    "sign": "auth",
}

__all__ = [
    "AsyncBtcturkClient",
    "BtcturkClient",
    "CircuitBreaker",
    "Credentials",
    "RateLimiter",
    "RateLimits",
    "RetryPolicy",
    "StampSource",
    "WindowRule",
    "auth_headers",
    "sign",
]


def __getattr__(name: str) -> object:
    home = _HOMES.get(name)
    if home is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(import_module(f"{__name__}.{home}"), name)
    globals()[name] = value
    return value
