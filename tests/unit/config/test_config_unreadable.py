"""A profile that cannot be read as UTF-8 TOML is a ConfigError naming the file and the fix,
never an exception that escapes as a traceback."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.config import ConfigError, load_settings


def test_non_utf8_bytes_name_the_file_the_line_and_the_encoding(tmp_path: Path) -> None:
    profile = tmp_path / "latin1.toml"
    profile.write_bytes("# paper profile\n[risk]\nmax_orders_per_cycle = 2 # café\n".encode("latin-1"))
    with pytest.raises(ConfigError) as e:
        load_settings(profile, {})
    assert str(e.value) == (
        f"invalid configuration: {profile}: line 3 is not UTF-8 (byte 0xe9); TOML must be UTF-8: "
        "re-save the file as UTF-8"
    )


def test_non_utf8_profile_named_by_bot_config_is_refused_the_same_way(tmp_path: Path) -> None:
    profile = tmp_path / "bad.toml"
    profile.write_bytes(b'mode = "paper"\xff\n')
    with pytest.raises(ConfigError, match="line 1 is not UTF-8"):
        load_settings(None, {"BOT_CONFIG": str(profile)})


def test_a_directory_is_named_with_the_fix(tmp_path: Path) -> None:
    with pytest.raises(ConfigError) as e:
        load_settings(tmp_path, {})
    assert f"config file {tmp_path} is a directory" in str(e.value)
    assert "--config (or BOT_CONFIG)" in str(e.value)


def test_an_unreadable_file_says_permission_denied(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    profile = tmp_path / "locked.toml"
    profile.write_text("[risk]\n", encoding="utf-8")

    def denied(self: Path) -> bytes:  # chmod 000 does not stop root, who runs some CI jobs
        raise PermissionError(13, "Permission denied", str(self))

    monkeypatch.setattr(Path, "read_bytes", denied)
    with pytest.raises(ConfigError, match="permission denied; make it readable by this user"):
        load_settings(profile, {})
