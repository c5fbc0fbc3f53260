"""Verification of BTCTurk's private-request headers (protocol §4)."""

from __future__ import annotations

import base64
import hashlib
import hmac
from collections.abc import Mapping
from dataclasses import dataclass

from bot.sim.config import SimConfig

INVALID_SIGNATURE = "Unauthorized - Invalid Signature"
INVALID_NONCE = "Unauthorized - Invalid Nonce"


@dataclass(frozen=True, slots=True)
class AuthFailure:
    message: str


def signature(api_key: str, secret_b64: str, stamp: str) -> str:
    """base64(HMAC-SHA256(key=base64decode(secret), msg=utf8(api_key + stamp)))."""
    digest = hmac.new(base64.b64decode(secret_b64), (api_key + stamp).encode("utf-8"), hashlib.sha256)
    return base64.b64encode(digest.digest()).decode("ascii")


def authenticate(headers: Mapping[str, str], config: SimConfig, now_ms: int) -> str | AuthFailure:
    """The api key of a correctly signed request, or why it is refused.

    An unknown key or a wrong signature is "Invalid Signature"; a stamp that is not an integer or
    is more than `stamp_window_ms` away from `now_ms` is "Invalid Nonce". Only key + stamp are signed.
    """
    api_key = headers.get("x-pck", "")
    stamp = headers.get("x-stamp", "")
    sent = headers.get("x-signature", "")
    account = config.account(api_key) if api_key else None
    if account is None:
        return AuthFailure(INVALID_SIGNATURE)
    expected = signature(api_key, account.api_secret, stamp)
    if not hmac.compare_digest(expected.encode("ascii"), sent.encode("utf-8", "replace")):
        return AuthFailure(INVALID_SIGNATURE)
    if not stamp.isdigit() or abs(int(stamp) - now_ms) > config.stamp_window_ms:
        return AuthFailure(INVALID_NONCE)
    return api_key
