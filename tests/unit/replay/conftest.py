"""Fixtures for the replay tests."""

from __future__ import annotations

from pathlib import Path

import pytest
from replay_builders import SHARED_DATA


@pytest.fixture
def shared_data() -> Path:
    """The shared real-data directory beside the repository; skips the test when it is absent."""
    if not SHARED_DATA.is_dir():
        pytest.skip(f"shared real data not found at {SHARED_DATA.resolve()} (see shared/data/DATA.md)")
    return SHARED_DATA
