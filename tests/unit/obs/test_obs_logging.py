"""JSON log lines carry context and structured fields; secrets are masked."""

from __future__ import annotations

import io
import json
import logging
from collections.abc import Iterator
from decimal import Decimal

import pytest

from bot.obs import configure_logging, current_context, log_context, log_event


@pytest.fixture
def stream() -> Iterator[io.StringIO]:
    out = io.StringIO()
    handler = configure_logging("DEBUG", "json", out)
    yield out
    logging.getLogger().removeHandler(handler)


def lines(stream: io.StringIO) -> list[dict[str, object]]:
    return [json.loads(line) for line in stream.getvalue().splitlines()]


def test_json_line_has_context_fields_and_decimal_as_string(stream: io.StringIO) -> None:
    logger = logging.getLogger("bot.test")
    with log_context(run_id="r1", cycle_id=7), log_context(symbol="BTCTRY", client_order_id="c-1"):
        logger.info("decision", extra={"fields": {"verdict": "approved", "price": Decimal("1234.50")}})
    (record,) = lines(stream)
    assert record["event"] == "decision"
    assert record["level"] == "INFO"
    assert record["logger"] == "bot.test"
    assert str(record["ts"]).endswith("Z")
    assert record["run_id"] == "r1"
    assert record["cycle_id"] == 7
    assert record["symbol"] == "BTCTRY"
    assert record["client_order_id"] == "c-1"
    assert record["price"] == "1234.50"


def test_context_is_restored_after_block(stream: io.StringIO) -> None:
    with log_context(run_id="r1"):
        with log_context(symbol="ETHTRY"):
            assert current_context() == {"run_id": "r1", "symbol": "ETHTRY"}
        assert current_context() == {"run_id": "r1"}
    assert current_context() == {}
    log_event(logging.getLogger("bot.test"), "idle", qty=Decimal("0.1"))
    (record,) = lines(stream)
    assert "run_id" not in record
    assert record["qty"] == "0.1"


def test_secret_named_fields_are_redacted(stream: io.StringIO) -> None:
    log_event(
        logging.getLogger("bot.test"),
        "request",
        api_key="K-123",
        headers={"X-PCK": "K-123", "X-Signature": "sig"},
        token="FAILED_MIN_TOTAL_AMOUNT",
        idempotency_key="cycle-7:BTCTRY",
    )
    raw = stream.getvalue()
    assert "K-123" not in raw
    assert "sig" not in raw.replace("X-Signature", "")
    (record,) = lines(stream)
    assert record["api_key"] == "***"
    assert record["token"] == "FAILED_MIN_TOTAL_AMOUNT"
    assert record["idempotency_key"] == "cycle-7:BTCTRY"


def test_fields_cannot_clobber_envelope_and_exceptions_are_kept(stream: io.StringIO) -> None:
    try:
        raise RuntimeError("boom")
    except RuntimeError:
        logging.getLogger("bot.test").exception("failed", extra={"fields": {"level": "x"}})
    (record,) = lines(stream)
    assert record["level"] == "ERROR"
    assert record["field_level"] == "x"
    assert "RuntimeError: boom" in str(record["exc"])


def test_text_format_and_reconfigure_replaces_handler() -> None:
    out = io.StringIO()
    configure_logging("INFO", "json", io.StringIO())
    handler = configure_logging("INFO", "text", out)
    try:
        with log_context(cycle_id=3):
            log_event(logging.getLogger("bot.test"), "tick", symbol="BTCTRY")
        logging.getLogger("bot.test").debug("hidden")
    finally:
        logging.getLogger().removeHandler(handler)
    text = out.getvalue()
    assert "INFO" in text and "tick" in text and "cycle_id=3" in text and 'symbol="BTCTRY"' in text
    assert "hidden" not in text
