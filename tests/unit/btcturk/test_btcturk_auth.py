import pytest

from bot.exchange.btcturk.auth import Credentials, StampSource, auth_headers, sign

API_KEY = "00000000-0000-0000-0000-000000000000"
SECRET = "c2ltdWxhdG9yLXRlc3Qtc2VjcmV0LTMyLWJ5dGVzISE="
VECTOR = "IGM1sky+k5ld9f1uV6ZsPWbYAZ6yg6i5aHuoWTynzM4="


def test_signature_matches_reference_vector() -> None:
    assert sign(API_KEY, SECRET, 1700000000000) == VECTOR


def test_auth_headers_carry_key_stamp_and_signature() -> None:
    headers = auth_headers(Credentials(API_KEY, SECRET), 1700000000000)
    assert headers == {
        "X-PCK": API_KEY,
        "X-Stamp": "1700000000000",
        "X-Signature": VECTOR,
        "Content-Type": "application/json",
    }


def test_credentials_repr_redacts_secret() -> None:
    credentials = Credentials(API_KEY, SECRET)
    assert SECRET not in repr(credentials)
    assert SECRET not in str(credentials)
    assert "***" in repr(credentials)


def test_credentials_refuse_a_secret_that_is_not_base64_without_echoing_it() -> None:
    with pytest.raises(ValueError) as info:
        Credentials(API_KEY, "not base64 !!")
    assert "not base64 !!" not in str(info.value)


def test_stamps_are_strictly_increasing_even_if_the_clock_stalls_or_steps_back() -> None:
    times = iter([1000, 1000, 999, 1005])
    stamps = StampSource(lambda: next(times))
    assert [stamps.next() for _ in range(4)] == [1000, 1001, 1002, 1005]


def test_stamps_apply_the_server_offset() -> None:
    stamps = StampSource(lambda: 1_000_000)
    stamps.offset_ms = -2500
    assert stamps.next() == 997_500
