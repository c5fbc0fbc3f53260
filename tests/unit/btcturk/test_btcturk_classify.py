from pathlib import Path

import pytest

from bot.exchange.btcturk.codec import classify
from bot.exchange.errors import AuthError, Fatal, MalformedPayload, RateLimited, Rejected, Transient

FIXTURES = Path(__file__).parent / "fixtures"
SUBMIT = "POST /api/v1/order"


def test_400_min_total_amount_is_rejected_with_code_and_token() -> None:
    error = classify(400, {}, (FIXTURES / "error_min_total.json").read_bytes(), SUBMIT)
    assert isinstance(error, Rejected)
    assert (error.code, error.token, error.endpoint) == (1123, "FAILED_MIN_TOTAL_AMOUNT", SUBMIT)


def test_string_and_empty_codes_parse() -> None:
    error = classify(400, {}, b'{"success": false, "message": "Order not found", "code": "1152"}', "e")
    assert isinstance(error, Rejected) and error.code == 1152
    error = classify(422, {}, b'{"success": false, "message": "FAILED_ORDER_PARAMETER", "code": ""}', "e")
    assert isinstance(error, Rejected) and error.code is None and error.token == "FAILED_ORDER_PARAMETER"


def test_401_is_auth_error() -> None:
    error = classify(401, {}, b'{"message": "Unauthorized - Invalid Nonce"}', "GET /api/v1/users/balances")
    assert isinstance(error, AuthError)
    assert "Invalid Nonce" in str(error)


def test_403_is_auth_error() -> None:
    assert isinstance(classify(403, {}, b"", "e"), AuthError)


def test_429_is_rate_limited_with_retry_after_seconds() -> None:
    body = (FIXTURES / "rate_limited.json").read_bytes()
    error = classify(429, {"Retry-After": "55"}, body, "GET /api/v2/ticker")
    assert isinstance(error, RateLimited)
    assert error.retry_after_s == 55.0
    assert "TOO_MANY_REQUESTS" in str(error)


def test_429_without_retry_after() -> None:
    error = classify(429, {}, b"", "e")
    assert isinstance(error, RateLimited) and error.retry_after_s is None


@pytest.mark.parametrize("status", [500, 502, 503, 504])
def test_5xx_is_transient(status: int) -> None:
    error = classify(status, {}, b"<html>maintenance</html>", "e")
    assert type(error) is Transient


def test_404_is_fatal() -> None:
    assert isinstance(classify(404, {}, b"not found", "e"), Fatal)


def test_unparseable_400_is_malformed() -> None:
    error = classify(400, {}, b"<html>bad</html>", "e")
    assert isinstance(error, MalformedPayload)


def test_200_with_success_false_is_rejected() -> None:
    error = classify(200, {}, b'{"success": false, "message": "ORDER_CANCEL_BLOCKED", "code": 0}', "e")
    assert isinstance(error, Rejected) and error.token == "ORDER_CANCEL_BLOCKED"
