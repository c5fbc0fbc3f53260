"""What a BTCTurk API key and secret must look like, checked when the settings load.

A secret that is not base64 cannot sign anything: without this check `config check` says OK and
the first signed request fails (or, for a non-ASCII value, crashes building the header). Every
message names the problem and the fix and never echoes the value, not even in part.
"""

from __future__ import annotations

import base64
import binascii
import re
from typing import Annotated

from pydantic import AfterValidator, SecretStr

_PRINTABLE_NO_SPACE = re.compile(r"[\x21-\x7e]+")  # fullmatch: no space, no control, ASCII only
_COPY_AGAIN = "copy it again whole, without quotes, spaces or line breaks"


def _api_key(value: SecretStr) -> SecretStr:
    key = value.get_secret_value()
    if not key:
        raise ValueError("is empty: set the public key BTCTurk issued, or leave the setting unset")
    if not _PRINTABLE_NO_SPACE.fullmatch(key):
        raise ValueError(
            "must be printable ASCII without spaces (it is sent as the X-PCK header); " + _COPY_AGAIN
        )
    return value


def _api_secret(value: SecretStr) -> SecretStr:
    secret = value.get_secret_value()
    if not secret:
        raise ValueError("is empty: set the private key BTCTurk issued, or leave the setting unset")
    try:
        decoded = base64.b64decode(secret, validate=True)
    except (binascii.Error, ValueError):
        decoded = b""
    if not decoded:
        # binascii's own message can quote the offending character: never pass it on.
        raise ValueError(
            "is not valid base64 (BTCTurk issues the private key base64-encoded); " + _COPY_AGAIN
        )
    return value


ApiKey = Annotated[SecretStr, AfterValidator(_api_key)]
ApiSecret = Annotated[SecretStr, AfterValidator(_api_secret)]
