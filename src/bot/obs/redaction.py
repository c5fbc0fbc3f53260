"""Scrubbing known secret values out of log text, whoever wrote it.

Redacting by field name (`bot.obs.logging.redact`) only covers our own structured fields. A
third-party library can put a secret, or part of one, in a free-text message: the websockets
client logged the first 13 characters of the API key from the login frame at DEBUG. So every
record is also scrubbed by value: any run of 6 or more characters that also occurs in a
configured secret becomes "***". Six characters of a random key or base64 secret do not turn up
in ordinary text by chance, and no part of a secret that long can get through.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from typing import Any

MIN_FRAGMENT = 6
"""Shortest run of a secret that is scrubbed. A secret shorter than this is not scrubbed at all:
it cannot be told apart from ordinary text (and no key BTCTurk issues is that short)."""
REDACTED = "***"


class SecretScrubber:
    """Replaces every run of >= MIN_FRAGMENT characters shared with a secret by "***"."""

    def __init__(self, secrets: Iterable[str]) -> None:
        n = MIN_FRAGMENT
        self._fragments = frozenset(value[i : i + n] for value in secrets for i in range(len(value) - n + 1))

    def __bool__(self) -> bool:
        return bool(self._fragments)

    def scrub(self, text: str) -> str:
        n = MIN_FRAGMENT
        spans: list[list[int]] = []
        for i in range(len(text) - n + 1):
            if text[i : i + n] in self._fragments:
                if spans and i <= spans[-1][1]:
                    spans[-1][1] = i + n  # overlapping or adjacent: one longer run
                else:
                    spans.append([i, i + n])
        if not spans:
            return text
        out, last = [], 0
        for start, end in spans:
            out += [text[last:start], REDACTED]
            last = end
        out.append(text[last:])
        return "".join(out)

    def scrub_record(self, record: logging.LogRecord) -> None:
        """Scrub the message (with its args) and any exception text of `record`, in place."""
        try:
            message = record.getMessage()
        except Exception:  # a bad format string: logging reports it at emit time, as it would anyway
            return
        scrubbed = self.scrub(message)
        if scrubbed != message:
            record.msg, record.args = scrubbed, None
        if record.exc_info and not record.exc_text:
            text = logging.Formatter().formatException(record.exc_info)
            scrubbed = self.scrub(text)
            if scrubbed != text:
                record.exc_text = scrubbed  # formatters use it instead of formatting exc_info again


class ScrubbingRecordFactory:
    """A log record factory that scrubs each record as it is made, before any handler (ours, a
    test's, a library's) sees it. `inner` is the factory it wraps."""

    def __init__(self, inner: Any, scrubber: SecretScrubber) -> None:
        self.inner = inner
        self.scrubber = scrubber

    def __call__(self, *args: Any, **kwargs: Any) -> logging.LogRecord:
        record: logging.LogRecord = self.inner(*args, **kwargs)
        self.scrubber.scrub_record(record)
        return record


def install_record_scrubbing(secrets: Iterable[str]) -> SecretScrubber:
    """Make every log record from now on scrubbed of `secrets` (replacing an earlier install;
    with no secrets of scrubbable length, removing it). Returns the scrubber, for formatters."""
    current = logging.getLogRecordFactory()
    inner = current.inner if isinstance(current, ScrubbingRecordFactory) else current
    scrubber = SecretScrubber(secrets)
    logging.setLogRecordFactory(ScrubbingRecordFactory(inner, scrubber) if scrubber else inner)
    return scrubber
