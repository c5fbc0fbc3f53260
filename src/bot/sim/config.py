"""Simulator configuration: a frozen pydantic model, loadable from TOML with errors naming the key."""

from __future__ import annotations

import base64
import binascii
import tomllib
from decimal import Decimal
from pathlib import Path
from typing import Annotated

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, ValidationError, field_validator

from bot.domain.money import to_decimal
from bot.exchange.matching import FeeSchedule
from bot.sim.fault_profile import FaultProfile, describe_errors


def _decimal(value: object) -> Decimal:
    return value if isinstance(value, Decimal) else to_decimal(value)


# Floats are refused (to_decimal raises): TOML is parsed with parse_float=Decimal.
ExactDecimal = Annotated[Decimal, BeforeValidator(_decimal)]


class SimConfigError(ValueError):
    """The simulator configuration is invalid; the message names the file and key."""


class SimAccount(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    api_key: str = Field(min_length=1)
    api_secret: str = Field(min_length=1, description="base64, as BTCTurk issues it")
    balances: dict[str, ExactDecimal] = Field(default_factory=dict)

    @field_validator("api_secret")
    @classmethod
    def _secret_is_base64(cls, value: str) -> str:
        try:
            base64.b64decode(value, validate=True)
        except binascii.Error as e:
            raise ValueError("must be base64 (BTCTurk secrets are base64-encoded)") from e
        return value

    @field_validator("balances")
    @classmethod
    def _balances_not_negative(cls, value: dict[str, Decimal]) -> dict[str, Decimal]:
        negative = sorted(asset for asset, amount in value.items() if amount < 0)
        if negative:
            raise ValueError(f"negative balance for {', '.join(negative)}")
        return value

    def secret_bytes(self) -> bytes:
        return base64.b64decode(self.api_secret)


class SimFees(BaseModel):
    """Ratios of the notional; `tax_rate` is a ratio of the fee (BSMV, 0.18 in BTCTurk samples)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    maker_rate: ExactDecimal = Field(default=Decimal("0.0005"), ge=0, lt=1)
    taker_rate: ExactDecimal = Field(default=Decimal("0.0009"), ge=0, lt=1)
    tax_rate: ExactDecimal = Field(default=Decimal(0), ge=0, lt=1)

    def schedule(self) -> FeeSchedule:
        return FeeSchedule(maker_rate=self.maker_rate, taker_rate=self.taker_rate, tax_rate=self.tax_rate)


class SimConfig(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    host: str = "127.0.0.1"
    port: int = Field(default=0, ge=0, le=65535, description="0 lets the OS pick")
    accounts: tuple[SimAccount, ...] = ()
    fees: SimFees = SimFees()
    stamp_window_ms: int = Field(default=5000, gt=0)
    speed: ExactDecimal = Field(default=Decimal(1), gt=0, description="dataset ms per wall ms")
    advance_ms_per_balance_read: int | None = Field(
        default=None,
        gt=0,
        description="pace the replay by the client instead of the wall (speed is then unused):"
        " each balance read moves the market this many dataset ms (a bot reads once per cycle)",
    )
    seed: int = 0
    time_field_zero: bool = Field(default=False, description="emit time: 0 in order objects")
    faults: FaultProfile = Field(default_factory=FaultProfile, description="[faults]; all off by default")

    @field_validator("accounts")
    @classmethod
    def _unique_keys(cls, value: tuple[SimAccount, ...]) -> tuple[SimAccount, ...]:
        keys = [account.api_key for account in value]
        duplicates = sorted({key for key in keys if keys.count(key) > 1})
        if duplicates:
            raise ValueError(f"duplicate api_key {', '.join(duplicates)}")
        return value

    def account(self, api_key: str) -> SimAccount | None:
        return next((a for a in self.accounts if a.api_key == api_key), None)


def load_sim_config(path: Path | str) -> SimConfig:
    """Read a TOML file with the SimConfig keys at top level and accounts as [[accounts]].

    Raises SimConfigError naming the file and, for schema errors, each offending key.
    """
    source = Path(path)
    try:
        data = tomllib.loads(source.read_text(encoding="utf-8"), parse_float=Decimal)
    except OSError as e:
        raise SimConfigError(f"{source}: cannot read: {e.strerror or e}") from e
    except tomllib.TOMLDecodeError as e:
        raise SimConfigError(f"{source}: invalid TOML: {e}") from e
    except UnicodeDecodeError as e:
        raise SimConfigError(
            f"{source}: byte {e.start} is not UTF-8 (0x{e.object[e.start]:02x}); TOML must be UTF-8:"
            " re-save the file as UTF-8"
        ) from e
    try:
        return SimConfig.model_validate(data)
    except ValidationError as e:
        raise SimConfigError(f"{source}: {describe_errors(e)}") from e
