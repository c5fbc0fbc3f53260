"""Secrets come from env or files only and never show up in output."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.config import ConfigError, load_settings, redacted, render_settings

KEY, SECRET = "pub-key-7f3a", "dmVyeS1zZWNyZXQtOWMxZQ=="  # BTCTurk secrets are base64


def test_secrets_from_env_are_redacted_everywhere() -> None:
    loaded = load_settings(None, {"BOT_EXCHANGE__API_KEY": KEY, "BOT_EXCHANGE__API_SECRET": SECRET})
    exchange = loaded.settings.exchange
    assert exchange.api_key is not None and exchange.api_key.get_secret_value() == KEY
    assert exchange.api_secret is not None and exchange.api_secret.get_secret_value() == SECRET
    shown = render_settings(loaded)
    for text in (shown, repr(loaded), str(loaded.settings), repr(redacted(loaded.settings))):
        assert KEY not in text
        assert SECRET not in text
    assert "exchange.api_secret = ***" in shown
    assert loaded.sources["exchange.api_secret"] == "env:BOT_EXCHANGE__API_SECRET"
    assert redacted(loaded.settings)["exchange"]["api_key"] == "***"


def test_secrets_from_files_are_stripped(tmp_path: Path) -> None:
    (tmp_path / "key").write_text(f"  {KEY}\n", encoding="utf-8")
    (tmp_path / "secret").write_text(f"{SECRET}\n", encoding="utf-8")
    profile = tmp_path / "p.toml"
    profile.write_text(f'[exchange]\napi_key_file = "{tmp_path / "key"}"\n', encoding="utf-8")
    env = {"BOT_EXCHANGE__API_SECRET_FILE": str(tmp_path / "secret")}
    loaded = load_settings(profile, env)
    exchange = loaded.settings.exchange
    assert exchange.api_key is not None and exchange.api_key.get_secret_value() == KEY
    assert exchange.api_secret is not None and exchange.api_secret.get_secret_value() == SECRET
    assert loaded.sources["exchange.api_key"] == f"file:{tmp_path / 'key'}"
    assert KEY not in render_settings(loaded)
    assert SECRET not in repr(loaded.settings)


def test_unset_secrets_render_as_not_set() -> None:
    loaded = load_settings(None, {})
    assert "exchange.api_key = (not set)" in render_settings(loaded)
    assert redacted(loaded.settings)["exchange"]["api_secret"] == "(not set)"


def test_secret_in_toml_refused_and_not_echoed(tmp_path: Path) -> None:
    profile = tmp_path / "p.toml"
    profile.write_text(f'[exchange]\napi_secret = "{SECRET}"\n', encoding="utf-8")
    with pytest.raises(ConfigError) as e:
        load_settings(profile, {})
    assert "BOT_EXCHANGE__API_SECRET" in str(e.value)
    assert "api_secret_file" in str(e.value)
    assert SECRET not in str(e.value)


def test_secret_on_command_line_refused() -> None:
    with pytest.raises(ConfigError, match="command line"):
        load_settings(None, {}, {"exchange.api_key": KEY})


def test_missing_or_empty_secret_file(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match=r"exchange\.api_key_file: cannot read secret file"):
        load_settings(None, {"BOT_EXCHANGE__API_KEY_FILE": str(tmp_path / "absent")})
    (tmp_path / "empty").write_text("\n", encoding="utf-8")
    with pytest.raises(ConfigError, match="is empty"):
        load_settings(None, {"BOT_EXCHANGE__API_KEY_FILE": str(tmp_path / "empty")})


def test_secret_and_its_file_both_set_is_ambiguous(tmp_path: Path) -> None:
    (tmp_path / "key").write_text(KEY, encoding="utf-8")
    env = {"BOT_EXCHANGE__API_KEY": KEY, "BOT_EXCHANGE__API_KEY_FILE": str(tmp_path / "key")}
    with pytest.raises(ConfigError, match="keep only one"):
        load_settings(None, env)


def fragments(value: str, length: int = 6) -> list[str]:
    return [value[i : i + length] for i in range(len(value) - length + 1)]


@pytest.mark.parametrize(
    "bad",
    ["Zm9vYmFy!Zm9vYmFy", "dmVyeS1zZWNyZXQtOWMxZQ", "dmVye S1zZWNyZXQtOWMxZQ==", "dmVy_eS1zZWNyZXQtOWMxZQ=="],
)
def test_a_secret_that_is_not_base64_is_refused_from_env_and_file_without_echoing_it(
    tmp_path: Path, bad: str
) -> None:
    with pytest.raises(ConfigError) as from_env:
        load_settings(None, {"BOT_EXCHANGE__API_SECRET": bad})
    (tmp_path / "secret").write_text(bad + "\n", encoding="utf-8")
    with pytest.raises(ConfigError) as from_file:
        load_settings(None, {"BOT_EXCHANGE__API_SECRET_FILE": str(tmp_path / "secret")})
    for error, origin in ((from_env, "env:BOT_EXCHANGE__API_SECRET"), (from_file, "file:")):
        message = str(error.value)
        assert f"exchange.api_secret (from {origin}" in message
        assert "not valid base64" in message and "copy it again" in message
        assert [f for f in fragments(bad) if f in message] == []


def test_a_secret_with_bytes_that_are_not_text_is_refused() -> None:
    with pytest.raises(ConfigError, match=r"exchange\.api_secret \(from env:.*not valid base64"):
        load_settings(None, {"BOT_EXCHANGE__API_SECRET": "\udcff" + SECRET})  # how os.environ shows 0xff


def test_an_empty_secret_or_a_key_that_cannot_be_a_header_is_refused() -> None:
    with pytest.raises(
        ConfigError, match=r"exchange\.api_secret \(from env:BOT_EXCHANGE__API_SECRET\) is empty"
    ):
        load_settings(None, {"BOT_EXCHANGE__API_SECRET": ""})
    for bad_key in ("pub key 7f3a", "pub-kéy-7f3a", "pub-key-7f3a\n", "\udcff"):
        with pytest.raises(ConfigError) as e:
            load_settings(None, {"BOT_EXCHANGE__API_KEY": bad_key})
        assert "exchange.api_key (from env:BOT_EXCHANGE__API_KEY) must be printable ASCII" in str(e.value)
        assert "pub-k" not in str(e.value)


def test_a_secret_file_that_is_not_utf8_is_refused_without_echoing_it(tmp_path: Path) -> None:
    (tmp_path / "secret").write_bytes(b"\xff\xfe" + SECRET.encode())
    with pytest.raises(ConfigError) as e:
        load_settings(None, {"BOT_EXCHANGE__API_SECRET_FILE": str(tmp_path / "secret")})
    assert "exchange.api_secret_file" in str(e.value) and "not UTF-8" in str(e.value)
    assert "xff" not in str(e.value) and [f for f in fragments(SECRET) if f in str(e.value)] == []
