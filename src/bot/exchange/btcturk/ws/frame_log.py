"""The logger the WebSocket client is given: websockets' own, minus what our frames carry.

At DEBUG the websockets client logs every frame it sends, contents included (`> TEXT '...'`).
The login frame (114) carries the API key and a signature that logs in again within the
exchange's time window. This logger keeps each sent frame's type and size and drops its
contents; frames received are logged as websockets logs them (market data and our own order
events, nothing that logs in).
"""

from __future__ import annotations

import logging
from collections.abc import MutableMapping
from typing import Any

_SENT_FRAME = "> %s"  # websockets.protocol: self.logger.debug("> %s", frame)


def _outline(frame: object) -> str:
    opcode = getattr(frame, "opcode", None)
    data = getattr(frame, "data", None)
    name = getattr(opcode, "name", "frame")
    size = f"{len(data)} bytes" if isinstance(data, bytes | bytearray | memoryview) else "size unknown"
    return f"{name} [{size}, contents not logged]"


class SentFramesWithoutContents(logging.LoggerAdapter[logging.Logger]):
    """Hands websockets a logger under its usual name that never writes a sent frame's payload."""

    def log(self, level: int, msg: object, *args: Any, **kwargs: Any) -> None:
        if msg == _SENT_FRAME and len(args) == 1:
            args = (_outline(args[0]),)
        super().log(level, msg, *args, **kwargs)

    def process(self, msg: Any, kwargs: MutableMapping[str, Any]) -> tuple[Any, MutableMapping[str, Any]]:
        return msg, kwargs


def client_logger() -> SentFramesWithoutContents:
    return SentFramesWithoutContents(logging.getLogger("websockets.client"))
