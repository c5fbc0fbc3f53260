"""`bot replay-download`'s window ends at the bar still forming, and the download waits its turn
in the rate budget rather than giving up after `exchange.max_rate_wait_s`."""

from __future__ import annotations

import pytest

from bot.app import download
from bot.app.errors import CommandError
from bot.config import load_settings

MINUTE = 60_000
NOW_MS = 1_800_000_030_000  # 30 s into a minute


@pytest.fixture(autouse=True)
def frozen_now(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(download.time, "time_ns", lambda: NOW_MS * 1_000_000)


def test_a_window_reaching_into_the_future_stops_before_the_forming_bar() -> None:
    forming = NOW_MS // MINUTE * MINUTE
    assert download._up_to_now((forming - 10 * MINUTE, forming + 1_000 * MINUTE), MINUTE) == (
        forming - 10 * MINUTE,
        forming,
    )


def test_a_window_with_no_closed_bar_is_refused() -> None:
    forming = NOW_MS // MINUTE * MINUTE
    with pytest.raises(CommandError, match="has closed yet"):
        download._up_to_now((forming, forming + 5 * MINUTE), MINUTE)


def test_the_download_client_waits_for_the_rate_budget() -> None:
    settings = load_settings(None, {}, {}).settings
    assert settings.exchange.max_rate_wait_s < 600
    assert download._patient(settings).exchange.max_rate_wait_s > 600
