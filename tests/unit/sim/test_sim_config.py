from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest

from bot.sim import SimConfig, SimConfigError, load_sim_config

SECRET = "c2ltdWxhdG9yLXRlc3Qtc2VjcmV0LTMyLWJ5dGVzISE="


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "sim.toml"
    path.write_text(text, encoding="utf-8")
    return path


def test_loads_toml_with_exact_decimals(tmp_path: Path) -> None:
    config = load_sim_config(
        write(
            tmp_path,
            f"""
port = 0
speed = 60
time_field_zero = true
[fees]
maker_rate = 0.0005
tax_rate = "0.18"
[[accounts]]
api_key = "k"
api_secret = "{SECRET}"
balances = {{ TRY = "1000.10", BTC = 0.1 }}
""",
        )
    )
    assert config.fees.maker_rate == Decimal("0.0005") and config.fees.tax_rate == Decimal("0.18")
    assert config.accounts[0].balances == {"TRY": Decimal("1000.10"), "BTC": Decimal("0.1")}
    assert (config.host, config.stamp_window_ms, config.speed, config.time_field_zero) == (
        "127.0.0.1",
        5000,
        Decimal(60),
        True,
    )
    assert config.account("k") is not None and config.account("x") is None


@pytest.mark.parametrize(
    ("text", "named"),
    [
        ("speed = 0", "speed"),
        ("stamp_window_ms = -1", "stamp_window_ms"),
        ("colour = 1", "colour"),
        ('[[accounts]]\napi_key = "k"\napi_secret = "not base64!"', "accounts.0.api_secret"),
        (
            f'[[accounts]]\napi_key = "k"\napi_secret = "{SECRET}"\nbalances = {{ TRY = "-1" }}',
            "accounts.0.balances",
        ),
        ("[fees]\ntaker_rate = 2", "fees.taker_rate"),
    ],
)
def test_errors_name_the_key(tmp_path: Path, text: str, named: str) -> None:
    with pytest.raises(SimConfigError, match=named) as excinfo:
        load_sim_config(write(tmp_path, text))
    assert "sim.toml" in str(excinfo.value)


def test_invalid_toml_and_missing_file(tmp_path: Path) -> None:
    with pytest.raises(SimConfigError, match="invalid TOML"):
        load_sim_config(write(tmp_path, "speed = = 1"))
    with pytest.raises(SimConfigError, match="cannot read"):
        load_sim_config(tmp_path / "absent.toml")


def test_floats_are_refused_in_code() -> None:
    with pytest.raises(ValueError, match="float"):
        SimConfig.model_validate({"speed": 1.5})


def test_duplicate_api_keys_are_refused() -> None:
    account = {"api_key": "k", "api_secret": SECRET}
    with pytest.raises(ValueError, match="duplicate api_key k"):
        SimConfig.model_validate({"accounts": [account, account]})


def test_a_config_that_is_not_utf8_is_one_clear_error(tmp_path: Path) -> None:
    path = tmp_path / "sim.toml"
    path.write_bytes(b'seed = 3\nname = "\xe9"\n')
    with pytest.raises(SimConfigError, match=r"byte 17 is not UTF-8 \(0xe9\).*re-save the file as UTF-8"):
        load_sim_config(path)
