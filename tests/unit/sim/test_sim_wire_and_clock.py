from __future__ import annotations

from decimal import Decimal

import pytest
from sim_builders import btctry_rules

from bot.domain.orders import OrderStatus, Side
from bot.exchange.matching import EngineOrder
from bot.sim.auth import INVALID_NONCE, INVALID_SIGNATURE, AuthFailure, authenticate, signature
from bot.sim.config import SimConfig
from bot.sim.market_clock import MarketClock
from bot.sim.payloads import order_object
from bot.sim.public_routes import iso_time
from bot.sim.wire import encode

KEY = "00000000-0000-0000-0000-000000000000"
D = Decimal
SECRET = "c2ltdWxhdG9yLXRlc3Qtc2VjcmV0LTMyLWJ5dGVzISE="


def test_signature_matches_the_reference_test_vector() -> None:
    assert signature(KEY, SECRET, "1700000000000") == "IGM1sky+k5ld9f1uV6ZsPWbYAZ6yg6i5aHuoWTynzM4="


def test_authenticate() -> None:
    config = SimConfig.model_validate({"accounts": [{"api_key": KEY, "api_secret": SECRET}]})
    good = {"x-pck": KEY, "x-stamp": "1700000000000", "x-signature": signature(KEY, SECRET, "1700000000000")}
    assert authenticate(good, config, 1_700_000_005_000) == KEY
    assert authenticate(good, config, 1_700_000_005_001) == AuthFailure(INVALID_NONCE)
    assert authenticate(good | {"x-signature": "AAAA"}, config, 1_700_000_000_000) == AuthFailure(
        INVALID_SIGNATURE
    )
    assert authenticate({}, config, 0) == AuthFailure(INVALID_SIGNATURE)


def test_encode_writes_decimals_as_exact_numbers() -> None:
    payload = {
        "n": Decimal("0.10000000000000000001"),
        "big": Decimal("1E+3"),
        "s": 'x"y',
        "l": [1, None, True],
    }
    assert encode(payload) == '{"n":0.10000000000000000001,"big":1000,"s":"x\\"y","l":[1,null,true]}'
    with pytest.raises(TypeError):
        encode({"f": 0.1})
    with pytest.raises(ValueError):
        encode(Decimal("NaN"))


def test_market_clock_maps_wall_to_dataset_time_and_back() -> None:
    clock = MarketClock(started_wall_ms=10_000, start_ms=1_000_000, end_ms=1_600_000, speed=Decimal(60))
    assert clock.market_ms(10_000) == 1_000_000
    assert clock.market_ms(9_000) == 1_000_000
    assert clock.market_ms(11_000) == 1_060_000
    assert clock.market_ms(100_000) == 1_600_000
    assert clock.wall_ms(1_060_000) == 11_000
    assert clock.wall_ms(1_000_001) == 10_001
    slow = MarketClock(started_wall_ms=0, start_ms=0, end_ms=10, speed=Decimal("0.5"))
    assert (slow.market_ms(3), slow.wall_ms(1)) == (1, 2)


def test_iso_time_has_seven_fractional_digits() -> None:
    assert iso_time(1613313462021) == "2021-02-14T14:37:42.0210000+00:00"


def test_order_object_time_field_zero_quirk() -> None:
    order = EngineOrder(
        order_id=5,
        account_id="k",
        client_order_id=None,
        symbol="BTCTRY",
        side=Side.SELL,
        price=D("101000"),
        quantity=D("0.50"),
        filled_quantity=D("0.2"),
        status=OrderStatus.PARTIALLY_FILLED,
        created_ms=7,
        updated_ms=9,
        locked=D("0.3"),
        lock_asset="BTC",
    )
    wire = order_object(order, btctry_rules(), time_zero=True)
    assert (wire["time"], wire["updateTime"], wire["status"], wire["type"]) == (0, 9, "Partial", "sell")
    assert (wire["amount"], wire["leftAmount"], wire["orderClientId"]) == ("0.5", "0.3", "")
    assert order_object(order, btctry_rules(), time_zero=False)["time"] == 7
