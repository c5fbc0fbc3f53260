"""REST authentication (protocol §4): HMAC-SHA256 over api key + stamp, keyed with the decoded secret."""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
from collections.abc import Callable
from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Credentials:
    """An API key pair. `api_secret` is base64, as BTCTurk issues it; neither appears in a repr
    (an object logged as a field or in an exception message must not carry the key either)."""

    api_key: str
    api_secret: str

    def __post_init__(self) -> None:
        if not self.api_key:
            raise ValueError("api_key is empty")
        try:
            base64.b64decode(self.api_secret, validate=True)
        except (binascii.Error, ValueError) as e:
            # The message must not echo the secret.
            raise ValueError("api_secret is not valid base64") from e

    def __repr__(self) -> str:
        return "Credentials(api_key='***', api_secret='***')"

    __str__ = __repr__


def sign(api_key: str, api_secret_b64: str, stamp_ms: int) -> str:
    """base64(HMAC_SHA256(key=b64decode(secret), msg=utf8(api_key + str(stamp_ms))))."""
    key = base64.b64decode(api_secret_b64, validate=True)
    message = (api_key + str(stamp_ms)).encode("utf-8")
    digest = hmac.new(key, message, hashlib.sha256).digest()
    return base64.b64encode(digest).decode("ascii")


def auth_headers(credentials: Credentials, stamp_ms: int) -> dict[str, str]:
    """The headers every private request carries. The body and path are not signed."""
    return {
        "X-PCK": credentials.api_key,
        "X-Stamp": str(stamp_ms),
        "X-Signature": sign(credentials.api_key, credentials.api_secret, stamp_ms),
        "Content-Type": "application/json",
    }


class StampSource:
    """Strictly increasing X-Stamp values in epoch ms on the server's clock.

    `offset_ms` is server time minus local time (set it after measuring server/time); BTCTurk
    accepts stamps within ±5 s of its clock. Stamps never repeat, even if the local clock stalls
    or steps back, so a signature is never reused.
    """

    def __init__(self, now_ms: Callable[[], int], offset_ms: int = 0) -> None:
        self._now_ms = now_ms
        self.offset_ms = offset_ms
        self._last = 0

    def next(self) -> int:
        stamp = max(self._now_ms() + self.offset_ms, self._last + 1)
        self._last = stamp
        return stamp
