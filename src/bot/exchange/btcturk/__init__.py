"""The BTCTurk adapter: wire schemas, auth, sans-IO request building and response parsing, clients.

`requests` builds `WireRequest`s, `responses` turns (status, headers, body) into domain values or
classified errors, `policy` decides retries and what a failure means; the clients only move bytes.
"""

from bot.exchange.btcturk.auth import Credentials, StampSource, auth_headers, sign
from bot.exchange.btcturk.policy import RetryPolicy
from bot.exchange.btcturk.sync_client import BtcturkClient

__all__ = ["BtcturkClient", "Credentials", "RetryPolicy", "StampSource", "auth_headers", "sign"]
