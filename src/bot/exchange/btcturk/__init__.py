"""The BTCTurk adapter: wire schemas, auth, sans-IO request building and response parsing, clients.

`requests` builds `WireRequest`s, `responses` turns (status, headers, body) into domain values or
classified errors, `policy` decides retries and what a failure means, `rate_limit` and `breaker`
guard the exchange, and `engine` + `operations` run all of it as sans-IO flows; the sync and async
clients only move bytes and sleep.
"""

from bot.exchange.btcturk.async_client import AsyncBtcturkClient
from bot.exchange.btcturk.auth import Credentials, StampSource, auth_headers, sign
from bot.exchange.btcturk.breaker import CircuitBreaker
from bot.exchange.btcturk.policy import RetryPolicy
from bot.exchange.btcturk.rate_limit import RateLimiter, RateLimits, WindowRule
from bot.exchange.btcturk.sync_client import BtcturkClient

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
