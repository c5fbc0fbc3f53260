"""Turn a WireRequest into what an HTTP client sends: full URL, query, body bytes, signed headers.

Shared by the sync and async clients; signing happens here because the stamp must be fresh.
"""

from __future__ import annotations

from dataclasses import dataclass

from bot.exchange.btcturk.auth import Credentials, StampSource, auth_headers
from bot.exchange.btcturk.requests import WireRequest
from bot.exchange.errors import AuthError


@dataclass(frozen=True, slots=True, kw_only=True)
class BaseUrls:
    api: str = "https://api.btcturk.com"
    graph: str = "https://graph-api.btcturk.com"

    def for_request(self, request: WireRequest) -> str:
        base = self.api if request.base == "api" else self.graph
        return base.rstrip("/") + request.path


@dataclass(frozen=True, slots=True, kw_only=True)
class PreparedRequest:
    method: str
    url: str
    params: tuple[tuple[str, str], ...]
    content: bytes | None
    headers: dict[str, str]


def prepare(
    request: WireRequest, *, urls: BaseUrls, credentials: Credentials | None, stamps: StampSource
) -> PreparedRequest:
    """Raises AuthError for a private request when no API keys are configured (nothing is sent)."""
    headers = {"Accept": "application/json"}
    if request.json_body is not None:
        headers["Content-Type"] = "application/json"
    if request.signed:
        if credentials is None:
            raise AuthError("API keys are missing: this client is public-only", endpoint=request.endpoint)
        headers.update(auth_headers(credentials, stamps.next()))
    return PreparedRequest(
        method=request.method,
        url=urls.for_request(request),
        params=request.params,
        content=request.body_bytes(),
        headers=headers,
    )
