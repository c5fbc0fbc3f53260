"""Configured secret values, and every 6+ character part of them, are scrubbed from every log
record, whoever logs it and whichever handler reads it."""

from __future__ import annotations

import io
import json
import logging
from collections.abc import Iterator
from decimal import Decimal

import pytest

from bot.obs import configure_logging
from bot.obs.redaction import MIN_FRAGMENT, ScrubbingRecordFactory, SecretScrubber

KEY = "0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0"
SECRET = "c2ltdWxhdG9yLXRlc3Qtc2VjcmV0LTMyLWJ5dGVzISE="


def fragments(value: str) -> list[str]:
    return [value[i : i + MIN_FRAGMENT] for i in range(len(value) - MIN_FRAGMENT + 1)]


def leaks(text: str) -> list[str]:
    return [f for value in (KEY, SECRET) for f in fragments(value) if f in text]


class Captured(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)


@pytest.fixture
def logs() -> Iterator[tuple[io.StringIO, Captured]]:
    """configure_logging at DEBUG with the secrets, plus a second handler on the root logger that
    was there first (as a test's or a library's would be): both must see scrubbed records."""
    root = logging.getLogger()
    factory, level = logging.getLogRecordFactory(), root.level
    captured = Captured()
    root.addHandler(captured)
    out = io.StringIO()
    handler = configure_logging("DEBUG", "json", out, secrets=[KEY, SECRET])
    try:
        yield out, captured
    finally:
        root.removeHandler(handler)
        root.removeHandler(captured)
        logging.setLogRecordFactory(factory)
        root.setLevel(level)


def test_scrubber_replaces_any_run_of_six_or_more_shared_characters() -> None:
    scrub = SecretScrubber([KEY, SECRET]).scrub
    assert scrub(f"key={KEY} secret={SECRET}") == "key=*** secret=***"
    assert scrub(f"frame {{'publicKey': '{KEY[:13]}...'}}") == "frame {'publicKey': '***...'}"
    assert scrub(f"#{SECRET[7:14]}#{SECRET[20:26]}#") == "#***#***#"
    assert (
        scrub(f"tail {KEY[-5:]} is too short to tell apart") == f"tail {KEY[-5:]} is too short to tell apart"
    )
    assert scrub("nothing secret in BTCTRY 1234567.5") == "nothing secret in BTCTRY 1234567.5"


def test_a_secret_too_short_to_tell_apart_from_text_scrubs_nothing() -> None:
    scrubber = SecretScrubber(["abc"])
    assert not scrubber
    assert scrubber.scrub("abc abcabc") == "abc abcabc"


def test_third_party_messages_args_and_exceptions_are_scrubbed_for_every_handler(
    logs: tuple[io.StringIO, Captured],
) -> None:
    out, captured = logs
    library = logging.getLogger("websockets.client")
    library.debug("> TEXT %r [186 bytes]", f'[114, {{"publicKey": "{KEY[:13]}...{SECRET[-12:]}"}}]')
    logging.getLogger("httpcore.http11").debug("send_request_headers %s", {"X-PCK": KEY})
    try:
        raise ValueError(f"bad header {KEY}")
    except ValueError:
        logging.getLogger("bot.test").exception("request failed")
    logging.getLogger("bot.test").info("order", extra={"fields": {"note": f"placed with {KEY}"}})
    assert len(captured.records) == 4
    plain = logging.Formatter()  # message and traceback, as any other handler would write them
    assert leaks("\n".join(plain.format(r) for r in captured.records)) == []
    written = out.getvalue()
    assert written.count("***") >= 4 and "bad header ***" in written
    assert leaks(written) == []


def test_configuring_again_without_secrets_stops_scrubbing(logs: tuple[io.StringIO, Captured]) -> None:
    out, captured = logs
    configure_logging("DEBUG", "json", out)
    logging.getLogger("bot.test").info("now %s", KEY)
    assert captured.records[-1].getMessage() == f"now {KEY}"
    assert not isinstance(logging.getLogRecordFactory(), ScrubbingRecordFactory)
    configure_logging("DEBUG", "json", out, secrets=[KEY])
    configure_logging("DEBUG", "json", out, secrets=[KEY])  # replaces, never stacks
    logging.getLogger("bot.test").info("again %s", KEY)
    assert captured.records[-1].getMessage() == "again ***"


def test_json_lines_stay_json_and_numbers_stay_numbers(logs: tuple[io.StringIO, Captured]) -> None:
    out, _ = logs
    # A secret with a run of digits that a price or a timestamp can contain by chance.
    configure_logging("DEBUG", "json", out, secrets=[KEY, SECRET, "991234567-ab"])
    logging.getLogger("bot.test").info(
        "fill",
        extra={"fields": {"price": Decimal("0.1234567"), "ts_ms": 1_991_234_567, "note": "991234567-ab"}},
    )
    (line,) = [json.loads(text) for text in out.getvalue().splitlines() if '"fill"' in text]
    assert line["price"] == "0.1234567" and line["ts_ms"] == 1_991_234_567
    assert line["note"] == "***"
